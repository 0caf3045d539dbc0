# AVA-format split of the synthetic benchmark on CPU in minutes: the
# AVA v2.2 protocol (_base_/actr_32x2_ava22.py) scaled down to the Y network
# on the CPU trunk of configs/_base_/models/constcl_r3d18_synthetic.py, which
# configs/constcl/r3d18_synthetic.py pre-trains; 8 frames at stride 4,
# short side 128, batch 8, 300 iterations. Labels: motion (1..M) and
# appearance (M+1..M+A) of every actor, frame mAP@0.5 by mmaction2's
# AVAMetric.
#
#   python tools/data/synthetic/generate.py --out data/synthetic
#   for s in train val; do
#     python tools/data/ava_kinetics/build_annotations.py gt-proposals \
#       data/synthetic/ava/annotations/ava_$s.csv \
#       data/synthetic/ava/annotations/ava_gt_proposals_$s.pkl; done
#   python tools/train.py \
#       configs/downstream/ava/constcl-local_r3d18y_actr_synthetic.py \
#       --cfg-options load_from=work_dirs/constcl_r3d18_synthetic_epoch_6.pth
_base_ = [
    '../../_base_/models/constcl_r3d18_synthetic.py',
    './_base_/actr_32x2_ava22.py'
]

num_classes = 13  # M + A + 1: 13 for `default`, 9 for `small`, 6 for `tiny`
model = dict(
    _base_.detector,
    _delete_=True,
    backbone=dict(
        _base_.model.backbone,
        out_branch='local',
        spatial_strides=_base_.res5_stride_1),
    # the protocol's RoI head, scaled down (dict(base, **changes): the
    # model is replaced as a whole, so its parts are extended explicitly)
    roi_head=dict(
        _base_.detector.roi_head,
        bbox_roi_extractor=dict(
            _base_.detector.roi_head.bbox_roi_extractor, output_size=4),
        shared_head=dict(
            _base_.detector.roi_head.shared_head,
            in_channels=_base_.feat_channels, embed_dims=64, num_heads=2,
            num_layers=2, query_size=2, dropout=0.1),
        bbox_head=dict(
            _base_.detector.roi_head.bbox_head,
            in_channels=64, num_classes=num_classes, dropout_ratio=0.2,
            topk=(1, 3))))

dataset_type = 'AVADataset'
data_root = 'data/synthetic/ava/rawframes'
anno_root = 'data/synthetic/ava/annotations'
ann_file_train = f'{anno_root}/ava_train.csv'
ann_file_val = f'{anno_root}/ava_val.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps.csv'
label_file = f'{anno_root}/label_map.txt'
proposal_file_train = f'{anno_root}/ava_gt_proposals_train.pkl'
# the benchmark's "detections" (jittered actor boxes, score >= 0.9);
# ava_gt_proposals_val.pkl for ground-truth boxes
proposal_file_val = f'{anno_root}/ava_dense_proposals_val.pkl'

clip_len, frame_interval, short_side = 8, 4, 128
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
_data = dict(
    type=dataset_type,
    label_file=label_file,
    data_prefix=dict(img=data_root),
    timestamp_start=900,
    timestamp_end=909,
    fps=30,
    num_classes=num_classes)
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file_train,
        exclude_file=exclude_file_train,
        proposal_file=proposal_file_train,
        pipeline=train_pipeline,
        **_data))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        proposal_file=proposal_file_val,
        pipeline=val_pipeline,
        **_data))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=ann_file_val, label_file=label_file,
    exclude_file=exclude_file_val, num_classes=num_classes)
test_evaluator = val_evaluator

max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', T_max=max_iters - 20, eta_min=0,
         by_epoch=False, begin=20, end=max_iters)
]
optim_wrapper = dict(optimizer=dict(lr=0.05), accumulative_counts=1)
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
