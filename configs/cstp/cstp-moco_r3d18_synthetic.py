# CSTP's pretexts (STOR, playback rate, rotation) with MoCo as the
# contrastive framework on the synthetic benchmark: the CPU twin of
# cstp-moco_r2plus1d10_4xb15-300e_ucf101.py (Table 3, MoCo rows), with
# the MoCo head of the plain moco_r3d18_synthetic.py (declared once in
# _base_/models/synthetic_ssl_heads.py). The plain row runs on CVRL's
# clip-contrast recipe (4-frame clips, Adam, 50 epochs), this one on CSTP's
# data (overlap sampler, playback rates, rotations) and schedule
# (cstp_r3d18_synthetic.py).
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    contrastive_head=dict(_delete_=True, **_base_.synthetic_moco_head))
