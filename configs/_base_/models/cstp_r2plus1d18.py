# CSTP (BYOL) on R(2+1)D-18: the model of cstp_r2plus1d10.py with two
# blocks per stage (512 x 2 x 7 x 7 features at 16 x 112 x 112).
_base_ = ['./cstp_r2plus1d10.py']

model = dict(backbone=dict(stage_blocks=(2, 2, 2, 2)))
