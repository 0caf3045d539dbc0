# CSTP (BYOL) on C3D (CSTP Table 6): mmaction2's C3D without fc6 / fc7, with
# BatchNorm (C3DFeatures; 512 x 1 x 4 x 4 features at 16 x 112 x 112).
_base_ = ['./cstp_r2plus1d10.py']

model = dict(
    backbone=dict(_delete_=True, type='C3DFeatures'),
    # pretext heads of the released code for this backbone
    # (models/pace/c3d_byol.py; the paper is silent): single linear
    # layers, playback / rotation Linear(512, 4) on each clip, STOR
    # Linear(1024, 5) per task; losses summed over the clips
    # (view_reduction='sum' from cstp_r2plus1d10.py)
    pretext_heads=dict(
        pcls=dict(hid_channels=None),
        rcls=dict(hid_channels=None),
        ocls=dict(hid_channels=0)))
