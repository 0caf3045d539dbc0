# The recognition protocol of "Controllable augmentations" (Sec. 4.2):
# R3D-18 (feature map 2x4x4 for a 16x112x112 clip: stem 3x7x7 stride 1x2x2,
# 1x3x3 max pool, res3-res5 stride 2 in time and space), 16-frame 112x112
# clips; test: 10 uniformly sampled clips, centre crop 112, softmax
# probabilities averaged. The paper gives no fine-tuning hyper-parameters:
# mmaction2's 100-epoch SGD schedule (lr 0.01, x0.1 at 40 / 80 epochs,
# weight decay 1e-4), 8 GPUs x 8 = 64, dropout 0.5.
_base_ = [
    '../../../_base_/default_runtime.py', 'mmaction::_base_/models/i3d_r50.py',
    'mmaction::_base_/schedules/sgd_100e.py', './data_16x112.py'
]
custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.recognizers'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        depth=18,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        with_pool2=False,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        norm_eval=False),
    cls_head=dict(num_classes=101, in_channels=512, dropout_ratio=0.5,
                  average_clips='prob'))

train_cfg = dict(max_epochs=100, val_interval=5)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                    save_best='auto'))
auto_scale_lr = dict(enable=False, base_batch_size=64)
