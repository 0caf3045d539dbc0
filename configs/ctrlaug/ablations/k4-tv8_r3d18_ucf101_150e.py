# Table 4, K = 4 local clips, T_v = 8 (the default: the global video's last 3
# stages at temporal stride 1). Same as ../r3d18_ucf101_150e.py.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(global_stride_mode='dense')
train_dataloader = dict(dataset=dict(num_clips=4))
