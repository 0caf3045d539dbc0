# Table 4, K = 3 local clips, T_v = 2 (global video at the clips' strides).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(global_stride_mode=None)
train_dataloader = dict(dataset=dict(num_clips=3))
