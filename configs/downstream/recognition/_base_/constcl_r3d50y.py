# ConST-CL's recognition protocol (appendix B) on the global branch of the
# R3D-50 Y-network of configs/_base_/models/constcl_r3d50.py (the pretrained
# backbone, only `out_branch` added); inherited by the linear-probe and
# fine-tuning configs. Dataset: UCF101 split 1 here, every leaf config sets
# its own.
# Pre-trained weights: `--cfg-options load_from=PRETRAIN.pth`, loaded
# strictly by PretrainedBackboneHook (configs/downstream/README.md).
_base_ = [
    '../../../_base_/models/constcl_r3d50.py',
    '../../../_base_/default_runtime.py', './data_32x2_224.py'
]
custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.recognizers'],
    allow_failed_imports=False)

model = dict(
    _delete_=True,
    type='Recognizer3D',
    # C5_g; 'local' for the C5_r branch
    backbone=dict(_base_.model.backbone, out_branch='global'),
    cls_head=dict(
        type='L2NormI3DHead',  # l2-normalised features -> linear classifier
        num_classes=101,
        in_channels=2048,
        dropout_ratio=0.0,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

# loops, optimizer and schedule: the protocol configs (mmaction2 schedules)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                    save_best='auto'),
    pretrained=dict(type='PretrainedBackboneHook'))
