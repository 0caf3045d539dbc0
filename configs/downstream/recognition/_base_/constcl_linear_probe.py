# Linear probe (ConST-CL appendix B): frozen backbone (stem + all res
# stages, BatchNorm statistics frozen too), l2-normalised global-pooled
# features, one linear layer, no dropout, SGD momentum 0.9, no weight decay.
# ConST-CL: Kinetics-400, 100 epochs, batch 1024, lr 32. We keep the paper's
# lr / batch ratio (32 / 1024) at 8 GPUs x 16 = 128: lr 4.0 (`--auto-scale-lr`
# rescales it for another total batch). The schedule is not given in the
# paper: cosine decay to 0 (as CVRL's linear evaluation).
_base_ = ['./constcl_r3d50y.py', 'mmaction::_base_/schedules/sgd_100e.py']

model = dict(
    type='LinearProbeRecognizer3D',  # backbone frozen, BN statistics too
    cls_head=dict(dropout_ratio=0.0))

train_cfg = dict(max_epochs=100, val_interval=5)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=4.0, momentum=0.9, weight_decay=0.0),
    clip_grad=None)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=100, eta_min=0, by_epoch=True,
         begin=0, end=100)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
