# CSTP's pretexts (STOR, playback rate, rotation) with MoCo (v2) as the
# contrastive framework on the synthetic benchmark: the CPU twin of
# cstp-moco_r2plus1d10_4xb15-300e_ucf101.py (Table 3, MoCo rows), with the
# head of the plain moco_r3d18_synthetic.py (declared in
# cstp_r3d18_synthetic.py), so the two rows differ only by the pretexts.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(contrastive_head=dict(_delete_=True, **_base_.moco_head))
