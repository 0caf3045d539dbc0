# CSTP's recognition protocol (STOR / CSTP, AAAI 2022, appendix "Supervised
# Fine-tuning Stage"): R(2+1)D-18, 16-frame 112x112 clips; 100 epochs,
# batch 60, SGD lr 0.02 decayed x0.1 when the validation accuracy plateaus,
# weight decay 5e-4; test: 10 uniformly sampled clips, centre crop, scores
# averaged. The paper monitors the loss; mmengine's ReduceOnPlateauLR sees
# validation metrics, so it monitors val top-1 (evaluated every epoch).
# Patience is not given in the paper: 10 epochs (ReduceOnPlateauLR default).
_base_ = [
    '../../../_base_/default_runtime.py',
    'mmaction::_base_/models/r2plus1d_r34.py',
    'mmaction::_base_/schedules/sgd_100e.py', './data_16x112.py'
]
custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.recognizers'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        depth=18, norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3)),
    cls_head=dict(num_classes=101, in_channels=512, dropout_ratio=0.5,
                  average_clips='prob'))

train_dataloader = dict(batch_size=15)  # x 4 GPUs = 60
val_dataloader = dict(batch_size=15)

train_cfg = dict(max_epochs=100, val_interval=1)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='ReduceOnPlateauLR', monitor='acc/top1', rule='greater',
         factor=0.1, patience=10, by_epoch=True)
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                    save_best='acc/top1', rule='greater'))
auto_scale_lr = dict(enable=False, base_batch_size=60)
