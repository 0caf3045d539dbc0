# ConST-CL on the synthetic benchmark's scale: the Y network of
# constcl_r3d50.py as R3D-18 of width 16 (128-d res5 features), a global MLP
# of width 512 and a context length of 3 (of 4 feature frames). The model of
# configs/constcl/r3d18_synthetic.py, and the backbone its downstream configs
# (configs/downstream/{ava,otb}/*_r3d18y*_synthetic*.py) evaluate.
_base_ = ['./constcl_r3d50.py']

feat_channels = 128  # R3D-18 (BasicBlock) of base width 16: 16 * 8
model = dict(
    backbone=dict(depth=18, base_channels=16),
    neck=dict(in_channels=feat_channels, hid_channels=512),
    head=dict(in_channels=feat_channels, context_length=3))
