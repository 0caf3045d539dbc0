# CSTP (BYOL) on S3D-G (CSTP Table 6): 1024 x 2 x 4 x 4 features at
# 16 x 112 x 112; projector and pretext heads widened to 1024 inputs.
_base_ = ['./cstp_r2plus1d10.py']

feat_dim = 1024
model = dict(
    backbone=dict(_delete_=True, type='S3D', gating=True),
    contrastive_head=dict(projector=dict(in_channels=feat_dim)),
    pretext_heads=dict(
        pcls=dict(in_channels=feat_dim),
        rcls=dict(in_channels=feat_dim),
        ocls=dict(in_channels=feat_dim, hid_channels=feat_dim)))
