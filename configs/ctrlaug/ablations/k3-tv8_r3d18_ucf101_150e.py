# Table 4, K = 3 local clips, T_v = 8 (last 3 stages at temporal stride 1).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(global_stride_mode='dense')
train_dataloader = dict(dataset=dict(num_clips=3))
