# CVRL on the synthetic benchmark, on CPU in minutes: the baseline of
# configs/constcl/r3d18_synthetic.py (same R3D-18 of width 16 with a single
# res5, same data, views, global head and schedule; no region loss).
#
#   python tools/train.py configs/cvrl/r3d18_synthetic.py
_base_ = [
    '../_base_/models/cvrl_r3d50.py',
    '../_base_/datasets/synthetic_ssl.py',
    '../_base_/schedules/synthetic_ssl_sgd_cosine.py',
    '../_base_/default_runtime.py',
]

feat_channels = 128  # R3D-18 (BasicBlock) of base width 16: 16 * 8
model = dict(
    backbone=dict(depth=18, base_channels=16),
    neck=dict(in_channels=feat_channels, hid_channels=512))

default_hooks = dict(
    logger=dict(interval=9),
    checkpoint=dict(interval=2, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)
