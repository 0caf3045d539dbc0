# ConST-CL on the synthetic benchmark, on CPU in minutes (what `make demo`
# pretrains): the Y network on the CPU trunk of
# _base_/models/synthetic_trunk.py (res5 duplicated, 256-d features), two
# 4-frame 64^2 views at batch 32 (2 x 4 x 4 feature maps), 40 epochs of
# Adam 1e-3 (_base_/datasets/synthetic_ssl.py,
# _base_/schedules/synthetic_ssl_adam.py: chosen by measurement, see
# docs/synthetic_benchmark.md "Round 3"); 16 random region boxes per view,
# a context of both feature frames of the other view, a global MLP of
# width 512; the paper's losses otherwise.
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

default_hooks = dict(
    logger=dict(interval=14),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
