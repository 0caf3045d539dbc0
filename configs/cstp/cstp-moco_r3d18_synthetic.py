# CSTP's pretexts (STOR, playback rate, rotation) with MoCo as the
# contrastive framework on the synthetic benchmark: the CPU twin of
# cstp-moco_r2plus1d10_4xb15-300e_ucf101.py (Table 3, MoCo rows), with
# the MoCo head of the plain moco_r3d18_synthetic.py (declared once in
# _base_/models/synthetic_ssl_heads.py). The plain row runs on CVRL's
# clip-contrast recipe (4-frame clips, Adam, 50 epochs), this one on CSTP's
# data (overlap sampler, playback rates, rotations) and schedule
# (cstp_r3d18_synthetic.py).
#
# Since Round 12 the shared MoCo head is the plain row's passing one (in-batch
# keys, no queue, key momentum 0, T 0.1). Measured with it
# (docs/synthetic_benchmark.md, "Round 12"; seed 0, 432 val videos, a
# 32-epoch scratch of this config, 448 steps): motion 33.1 +- 4.4 vs
# 17.6 +- 3.6 (+15.5, margin 8.0): passes; the shipped 50 epochs were not
# rerun.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    contrastive_head=dict(_delete_=True, **_base_.synthetic_moco_head))
