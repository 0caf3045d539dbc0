# CSTP on UCF101 with R(2+1)D-18 (two blocks per stage) instead of the
# paper's shallow R(2+1)D-10.
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

model = dict(backbone=dict(stage_blocks=(2, 2, 2, 2)))
