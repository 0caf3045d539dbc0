# Table 1 "Ours R3D-34 Kinetics-400": the R3D-18 recipe with an R3D-34
# encoder (same strides and feature grids, 512 channels).
_base_ = ['./r3d18_k400.py']

model = dict(backbone=dict(depth=34))
