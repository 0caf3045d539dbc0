# Controllable augmentations pretraining schedule on UCF101 (Sec. 4.2): Adam,
# learning rate 1e-3, weight decay 1e-5, batch 128, 200 epochs, learning
# rate divided by 10 at epoch 150. Epoch-based like the paper; this file
# brings the default runtime.
_base_ = ['../default_runtime.py']

max_epochs = 200
lr_decay_epochs = [150]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
test_cfg = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=1e-5))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=max_epochs,
        milestones=lr_decay_epochs,
        gamma=0.1)
]
# the paper's total batch; `--auto-scale-lr` rescales lr for another one
auto_scale_lr = dict(enable=False, base_batch_size=128)

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=3,
        save_best=None))
