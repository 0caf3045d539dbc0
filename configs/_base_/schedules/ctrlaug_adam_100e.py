# Controllable augmentations pretraining schedule on Kinetics-400 (Sec. 4.2):
# as the UCF101 one (Adam, lr 1e-3, weight decay 1e-5, batch 128) with 100
# epochs and the learning rate divided by 10 at epoch 70.
_base_ = ['./ctrlaug_adam_200e.py']

max_epochs = 100
lr_decay_epochs = [70]

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=max_epochs,
        milestones=lr_decay_epochs,
        gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=5))
