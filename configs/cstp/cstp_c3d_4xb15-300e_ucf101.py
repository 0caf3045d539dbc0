# CSTP on UCF101 with C3D (8 conv layers with BatchNorm, 512-d features;
# Table 6 "C3D, UCF-101").
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

model = dict(backbone=dict(_delete_=True, type='C3DFeatures'))
