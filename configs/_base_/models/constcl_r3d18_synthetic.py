# ConST-CL on the synthetic benchmark's scale: the Y network of
# constcl_r3d50.py on the CPU trunk of synthetic_trunk.py (256-d res5
# features, res5 duplicated into the global and the local branch), a global
# MLP of width 512 and a context of 2 feature frames (all of them: the
# 4-frame clips of configs/constcl/r3d18_synthetic.py end in 2 feature
# frames after the stem's temporal stride). The model of
# configs/constcl/r3d18_synthetic.py, and the backbone its downstream
# configs (configs/downstream/{ava,otb}/*_r3d18y*_synthetic*.py) evaluate.
_base_ = ['./constcl_r3d50.py', './synthetic_trunk.py']

feat_channels = _base_.synthetic_feat_channels
model = dict(
    backbone=_base_.synthetic_trunk,
    neck=dict(in_channels=feat_channels, hid_channels=512),
    head=dict(in_channels=feat_channels, context_length=2))
