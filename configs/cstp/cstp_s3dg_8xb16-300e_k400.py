# CSTP on Kinetics-400 with S3D-G (Table 6 "S3D, K400").
_base_ = ['./cstp_r2plus1d10_8xb16-300e_k400.py']

feat_dim = 1024
model = dict(
    backbone=dict(_delete_=True, type='S3D', gating=True),
    contrastive_head=dict(projector=dict(in_channels=feat_dim)),
    pretext_heads=dict(
        pcls=dict(in_channels=feat_dim),
        rcls=dict(in_channels=feat_dim),
        ocls=dict(in_channels=feat_dim, hid_channels=feat_dim)))
