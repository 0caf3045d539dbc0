# CSTP on Kinetics-400 with C3D (Table 6 "C3D, K400").
_base_ = ['./cstp_r2plus1d10_8xb16-300e_k400.py']

model = dict(backbone=dict(_delete_=True, type='C3DFeatures'))
