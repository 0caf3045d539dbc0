# The 100k-step schedule of the ConST-CL ablations (Sec. 4.1, Tables 2-5):
# the 200k schedule with half the steps (~435 Kinetics-400 epochs), same
# warm-up and peak learning rate.
_base_ = ['./constcl_sgd_cosine_200k.py']

max_iters = 100000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=False,
        begin=0,
        end=_base_.warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - _base_.warmup_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=_base_.warmup_iters,
        end=max_iters),
]
