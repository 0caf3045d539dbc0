# ConST-CL on the synthetic benchmark, on CPU in minutes (what `make demo`
# pretrains): the Y network on the CPU trunk of
# _base_/models/synthetic_trunk.py (res5 duplicated, 256-d features), two
# 4-frame views at batch 32, Adam 1e-3 at a constant rate
# (_base_/datasets/synthetic_ssl.py, _base_/schedules/synthetic_ssl_adam.py:
# chosen by measurement, see docs/synthetic_benchmark.md "Round 3"); 16
# random region boxes per view, a context of both feature frames of the
# other view, a global MLP of width 512; the paper's losses otherwise.
#
# Sized for `make demo` by measurement (docs/synthetic_benchmark.md,
# "Round 8"): CVRL's 64-px recipe needs ~700 steps to pass its checks, and
# a ConST-CL step at 64 px costs ~2x CVRL's (the second res5 branch,
# RoIAlign's CPU backward over 1024 boxes x 4 x 4 bins), so 700 of them do
# not fit in 10 minutes. Here:
# - 48-px crops (2 x 3 x 3 feature maps; CtrlAug's synthetic size): a step
#   costs ~0.65x a 64-px one;
# - roi_output_size=2: on a 3 x 3 map a box of 0.1-0.5 of the frame spans
#   0.3-1.5 feature cells, so 2 x 2 bins (each with >= 1 bilinear sample)
#   already cover it, and the bins are averaged into one region feature
#   anyway; 4 x 4 bins cost a further ~0.26 s per step in RoIAlign's
#   backward (the K400 recipe keeps the paper's 4 at 7 x 7 maps);
# - a one-hidden-layer global MLP (_base_/models/constcl_r3d18_synthetic.py);
# - 40 epochs (560 steps on `default`): they pass action and appearance with
#   seeds 0 and 1 (read at the 40-epoch checkpoints of 50-epoch runs; the
#   constant rate makes a shorter run a prefix of a longer one) and keep
#   `make demo` near 15 minutes; 50 epochs pass by more (+12.3 vs +9.7 on
#   appearance, seed 0) and take ~2.5 minutes longer.
#
#   python tools/data/synthetic/generate.py --out data/synthetic
#   python tools/train.py configs/constcl/r3d18_synthetic.py
#
# A kNN monitor (action labels, val vs train) runs before training, every
# 10 epochs and after the last one: see the log lines "kNN monitor (...)".
# The model (backbone, global MLP, context head) is declared once in
# _base_/models/constcl_r3d18_synthetic.py, which the downstream synthetic
# configs (AVA, SiamFC) inherit too.
_base_ = [
    '../_base_/models/constcl_r3d18_synthetic.py',
    '../_base_/datasets/synthetic_ssl_regions.py',
    '../_base_/schedules/synthetic_ssl_adam.py',
    '../_base_/default_runtime.py',
]

model = dict(roi_output_size=2)

train_dataloader = dict(dataset=dict(views=_base_.views_48px))

# features of `tools/demo.py` and the kNN monitor (synthetic_knn.py) on
# this config's crop size
demo_crop_size = _base_.crop_size_48px
custom_hooks = [_base_.knn_monitor_48px]

default_hooks = dict(
    logger=dict(interval=14),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
