# Full fine-tuning (ConST-CL appendix B): all layers trained for 50 epochs,
# batch 128 (8 GPUs x 16), weight decay 1e-5, dropout 0.5, l2-normalised
# features into the classifier; lr 0.72 (UCF101) / 0.84 (HMDB51) is set by
# each dataset config. SGD momentum 0.9 (as the linear probe); the schedule
# is not given in the paper: cosine decay to 0.
_base_ = ['./constcl_r3d50y.py', 'mmaction::_base_/schedules/sgd_50e.py']

model = dict(cls_head=dict(dropout_ratio=0.5))

train_cfg = dict(max_epochs=50, val_interval=5)
optim_wrapper = dict(
    # lr: 0.72 (UCF101) / 0.84 (HMDB51), set by the dataset configs
    optimizer=dict(type='SGD', lr=0.72, momentum=0.9, weight_decay=1e-5),
    clip_grad=None)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=50, eta_min=0, by_epoch=True,
         begin=0, end=50)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
