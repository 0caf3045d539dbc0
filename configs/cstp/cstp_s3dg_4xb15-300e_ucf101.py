# CSTP on UCF101 with S3D-G (1024-d features; Table 6 "S3D, UCF-101").
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

feat_dim = 1024
model = dict(
    backbone=dict(_delete_=True, type='S3D', gating=True),
    contrastive_head=dict(projector=dict(in_channels=feat_dim)),
    pretext_heads=dict(
        pcls=dict(in_channels=feat_dim),
        rcls=dict(in_channels=feat_dim),
        ocls=dict(in_channels=feat_dim, hid_channels=feat_dim)))
