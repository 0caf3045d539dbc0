# CVRL pretraining on Kinetics-400, the ConST-CL baseline (Table 4, "-"):
# plain R3D-50 (single res5), global InfoNCE only, the same data, views,
# optimiser and 200k-step schedule as configs/constcl/r3d50_k400.py.
#
#   tools/dist_train.sh configs/cvrl/r3d50_k400.py 8
_base_ = [
    '../_base_/models/cvrl_r3d50.py',
    '../_base_/datasets/k400_ssl.py',
    '../_base_/schedules/constcl_sgd_cosine_200k.py',
]  # the schedule brings the (iteration-based) runtime

sync_bn = 'torch'  # see configs/constcl/r3d50_k400.py

# bf16 autocast + activation checkpointing: 8 x 128 clip pairs fit 80 GB
# GPUs (see configs/constcl/r3d50_k400.py and docs/benchmarks.md)
model = dict(backbone=dict(with_cp=True))
optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16')
