# Table 4, K = 1 local clip, T_v = 2: "the baseline". The global video uses
# the clips' strides; L_td is off (a single clip has no temporal order).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(global_stride_mode=None, objectives=dict(td=None))
train_dataloader = dict(dataset=dict(num_clips=1))
