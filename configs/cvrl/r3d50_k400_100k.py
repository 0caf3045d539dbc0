# CVRL baseline with the 100k-step schedule of the ConST-CL ablations
# (row "-" of Tables 2-4).
_base_ = [
    '../_base_/models/cvrl_r3d50.py',
    '../_base_/datasets/k400_ssl.py',
    '../_base_/schedules/constcl_sgd_cosine_100k.py',
]  # the schedule brings the (iteration-based) runtime

sync_bn = 'torch'  # see configs/constcl/r3d50_k400.py

# bf16 autocast + activation checkpointing: 8 x 128 clip pairs fit 80 GB
# GPUs (see configs/constcl/r3d50_k400.py and docs/benchmarks.md)
model = dict(backbone=dict(with_cp=True))
optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16')
