# The recognition protocol of "Controllable augmentations" (Sec. 4.2) on the
# R3D-18 encoder of configs/_base_/models/ctrlaug_r3d18.py, as pretrained
# (StrideSwitchResNet3d: 3x7x7 stem with stride (2, 2, 2), 1x3x3 max pool,
# stage temporal strides (1, 1, 2, 2): feature map 2x4x4 for a 16x112x112
# clip, the clips' default stride mode); 16-frame 112x112 clips; test: 10
# uniformly sampled clips, centre crop 112, softmax probabilities averaged.
# The paper gives no fine-tuning hyper-parameters: mmaction2's 100-epoch SGD
# schedule (lr 0.01, x0.1 at 40 / 80 epochs, weight decay 1e-4),
# 8 GPUs x 8 = 64, dropout 0.5.
_base_ = [
    '../../../_base_/models/ctrlaug_r3d18.py',
    '../../../_base_/default_runtime.py',
    'mmaction::_base_/schedules/sgd_100e.py', './data_16x112.py'
]
custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.recognizers'],
    allow_failed_imports=False)

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=_base_.model.backbone,
    cls_head=dict(
        type='I3DHead',
        num_classes=101,
        in_channels=_base_.feat_channels,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

train_cfg = dict(max_epochs=100, val_interval=5)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                    save_best='auto'),
    pretrained=dict(type='PretrainedBackboneHook'))
auto_scale_lr = dict(enable=False, base_batch_size=64)
