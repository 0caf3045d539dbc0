# Table 4, K = 4 local clips, T_v = 4 (global video: stage 4 at
# temporal stride 2, the others at 1).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(global_stride_mode=(1, 1, 1, 2))
train_dataloader = dict(dataset=dict(num_clips=4))
