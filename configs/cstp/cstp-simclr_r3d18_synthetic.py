# CSTP's pretexts (STOR, playback rate, rotation) with SimCLR as the
# contrastive framework on the synthetic benchmark: the CPU twin of
# cstp-simclr_r2plus1d10_4xb15-300e_ucf101.py (Table 3, SimCLR rows), with
# the head of the plain simclr_r3d18_synthetic.py (temperature 0.1), so the
# two rows differ only by the pretexts.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(contrastive_head=dict(_delete_=True, **_base_.simclr_head))
