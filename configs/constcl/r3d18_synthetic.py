# ConST-CL on the synthetic benchmark, on CPU in minutes (what `make demo`
# pretrains): R3D-18 of width 16 (the Y network: res5 duplicated, 128-d
# features), 8 frames at 112^2 per view (4x4x4 feature maps), batch 16,
# 20 epochs; context length 3 (of 4 feature frames, as 5 of 8 in the
# paper), a global MLP of width 512; the paper's recipe otherwise.
#
#   python tools/data/synthetic/generate.py --out data/synthetic
#   python tools/train.py configs/constcl/r3d18_synthetic.py
#
# A kNN monitor (action labels, val vs train) runs before training, every 5
# epochs and after the last one: see the log lines "kNN monitor (...)".
# The model (backbone, global MLP, context head) is declared once in
# _base_/models/constcl_r3d18_synthetic.py, which the downstream synthetic
# configs (AVA, SiamFC) inherit too.
_base_ = [
    '../_base_/models/constcl_r3d18_synthetic.py',
    '../_base_/datasets/synthetic_ssl_regions.py',
    '../_base_/schedules/synthetic_ssl_sgd_cosine.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    logger=dict(interval=9),
    checkpoint=dict(interval=2, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)
