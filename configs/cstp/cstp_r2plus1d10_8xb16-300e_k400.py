# CSTP on Kinetics-400 with R(2+1)D-10 (Table 6 "R(2+1)D, K400"), batch
# 128 = 8 GPUs x 16.
_base_ = [
    '../_base_/models/cstp_r2plus1d10.py',
    '../_base_/datasets/cstp_kinetics400.py',
    '../_base_/schedules/cstp_sgd_cosine_300e.py',
    '../_base_/default_runtime.py',
]
auto_scale_lr = dict(base_batch_size=128)

default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))
