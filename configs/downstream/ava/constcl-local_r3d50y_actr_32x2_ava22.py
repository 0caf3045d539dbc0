# ConST-CL local branch (res5_r, C5_r) + action-transformer head on AVA v2.2,
# the protocol of ConST-CL (Yuan et al. 2022, Sec. 4.2 / App. C.2, after
# Li et al.'s AVA-Kinetics [33] and Girdhar et al.'s Video Action Transformer
# Network [21]): 32 frames at temporal stride 2, short side 400, train with
# ground-truth person boxes, test with detected boxes (this config) or
# ground-truth boxes (`*_ava22-gtbox.py`); SGD momentum 0.9, lr 1e-2,
# weight decay 1e-7, batch 256 (8 GPUs x 32), 50k iterations.
#
# Detector, data pipeline, evaluator (frame mAP@0.5, AVAMetric) and the
# RoI assigner / sampler come from mmaction2's AVA v2.2 config; only the
# backbone, the RoI head, the inputs and the schedule change.
#
#   python tools/data/ava_kinetics/build_annotations.py gt-proposals \
#       data/ava/annotations/ava_train_v2.2.csv \
#       data/ava/annotations/ava_gt_proposals_train_v2.2.pkl
#   tools/dist_train.sh \
#       configs/downstream/ava/constcl-local_r3d50y_actr_32x2_ava22.py 8 \
#       --cfg-options load_from=work_dirs/constcl/epoch_200.pth
_base_ = ('mmaction::detection/slowfast/slowfast_kinetics400-pretrained-'
          'r50_8xb6-8x8x1-cosine-10e_ava22-rgb.py')

default_scope = 'mmvssl'
custom_imports = dict(
    imports=['mmvssl.models.roi_heads'], allow_failed_imports=False)

feat_channels = 2048  # R3D-50 res5
model = dict(
    init_cfg=None,  # pre-trained weights: `load_from=PRETRAIN.pth`
    backbone=dict(
        _delete_=True,
        type='ResNet3dY',  # registered in mmdet by mmvssl.models.roi_heads,
        depth=50,
        # 'local': C5_r (res5_r) of a ConST-CL Y-network; 'global': C5_g
        out_branch='local',
        loss_endpoints='C5g+C5r',
        # res5 without spatial stride: 16x feature stride, as mmaction2's
        # AVA backbones (SingleRoIExtractor3D's featmap_stride=16)
        spatial_strides=(1, 2, 2, 1),
        norm_cfg=dict(type='BN3d', requires_grad=True),
        pretrained=None),
    roi_head=dict(
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor3D',
            roi_layer_type='RoIAlign',
            featmap_stride=16,
            output_size=8,
            with_temporal_pool=True),  # features averaged over time
        shared_head=dict(
            type='ActionTransformerHead',
            in_channels=feat_channels,
            embed_dims=128,
            num_heads=2,
            num_layers=3,
            dropout=0.3),
        bbox_head=dict(
            type='BBoxHeadAVA',
            background_class=True,
            in_channels=128,  # ActionTransformerHead.out_channels
            num_classes=81,
            multilabel=True,
            dropout_ratio=0.5)))

dataset_type = 'AVADataset'
data_root = 'data/ava/rawframes'
anno_root = 'data/ava/annotations'
ann_file_train = f'{anno_root}/ava_train_v2.2.csv'
ann_file_val = f'{anno_root}/ava_val_v2.2.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps_v2.2.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps_v2.2.csv'
label_file = f'{anno_root}/ava_action_list_v2.2_for_activitynet_2019.pbtxt'
# training on ground-truth boxes (tools/data/ava_kinetics/build_annotations.py
# gt-proposals); testing on detected boxes (FAIR's person detections)
proposal_file_train = f'{anno_root}/ava_gt_proposals_train_v2.2.pkl'
proposal_file_val = f'{anno_root}/ava_dense_proposals_val.FAIR.recall_93.9.pkl'

clip_len, frame_interval, short_side = 32, 2, 400
train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=clip_len,
         frame_interval=frame_interval),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=clip_len,
         frame_interval=frame_interval, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, short_side)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=32,  # x 8 GPUs = 256
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        exclude_file=exclude_file_train,
        label_file=label_file,
        proposal_file=proposal_file_train,
        data_prefix=dict(img=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        label_file=label_file,
        proposal_file=proposal_file_val,
        data_prefix=dict(img=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='AVAMetric',
    ann_file=ann_file_val,
    label_file=label_file,
    exclude_file=exclude_file_val)
test_evaluator = val_evaluator

# 50k iterations at batch 256, SGD momentum 0.9, lr 1e-2, wd 1e-7; the
# paper does not give the lr schedule: linear warm-up + cosine (our choice)
max_iters = 50000
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=5000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=2000),
    dict(type='CosineAnnealingLR', T_max=max_iters - 2000, eta_min=0,
         by_epoch=False, begin=2000, end=max_iters)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=1e-7),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=256)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=5000, max_keep_ckpts=2,
                    save_best='auto'))
log_processor = dict(by_epoch=False)
