# CSTP (BYOL) on C3D (CSTP Table 6): mmaction2's C3D without fc6 / fc7, with
# BatchNorm (C3DFeatures; 512 x 1 x 4 x 4 features at 16 x 112 x 112).
_base_ = ['./cstp_r2plus1d10.py']

model = dict(backbone=dict(_delete_=True, type='C3DFeatures'))
