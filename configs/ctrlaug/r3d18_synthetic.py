# Controllable augmentations on the synthetic benchmark, small enough to
# train on a 2-core CPU in about ten minutes (not a paper setting): the CPU
# trunk of _base_/models/synthetic_trunk.py (one BasicBlock per stage, base
# width 32, 256 feature channels; 1x3x3 stem, no stem pool) with the
# stride-switching backbone's temporal strides (stem 2, stages (1, 1, 2, 2);
# 'dense' for the global video), 16 frames at 48^2 (clip features 2x3x3,
# global 8x3x3), batch 8 with 4 intensity levels per batch (2 videos per
# level), 10 epochs (540 steps on `default`).
#
# Chosen by measurement (docs/synthetic_benchmark.md, "Round 7"):
# - no horizontal flip, unlike the paper's views (ctrlaug_views.py): the
#   benchmark's motion classes come in mirror pairs (slide_left /
#   slide_right, orbit_cw / orbit_ccw), and views flipped independently
#   ask the features to be invariant to exactly that distinction (the CVRL
#   recipe, synthetic_ssl.py, drops the flip for the same reason);
# - 48-px crops for 10 epochs instead of 64 px for 2: the trajectory, which
#   this method is built to learn, survives the smaller crop (Round 5), and
#   a 48-px step costs about half a 64-px one.
#
#   python tools/data/synthetic/generate.py --out data/synthetic
#   python tools/train.py configs/ctrlaug/r3d18_synthetic.py
#
# `make demo METHOD=ctrlaug` evaluates the backbone on 16-frame clips at
# 48^2 (the local clips' geometry: demo_* below).
_base_ = [
    '../_base_/models/ctrlaug_r3d18.py',
    '../_base_/models/synthetic_trunk.py',
    '../_base_/datasets/ctrlaug_views.py',
    '../_base_/schedules/ctrlaug_adam_200e.py',
    '../_base_/datasets/synthetic_knn.py',
]

# the benchmark folder (`tools/demo.py` sets MMVSSL_SYNTHETIC_ROOT)
data_root = _base_.synthetic_root
input_size = 48
feat_channels = _base_.synthetic_feat_channels
max_epochs = 10

model = dict(
    backbone=_base_.synthetic_trunk,
    objectives=dict(
        mi=dict(estimator=dict(
            in_channels=feat_channels, hid_channels=feat_channels)),
        td=dict(head=dict(in_channels=feat_channels))))

# the paper's crops (global area 0.8-1, local 0.4-0.8 inside the global
# one), without the flip (see above)
global_pipeline = [
    dict(type='ClipRandomResizedCrop', scale=input_size,
         area_range=(0.8, 1.0)),
] + _base_.lowlevel_aug
local_pipeline = [
    dict(type='ClipRandomResizedCrop', scale=input_size,
         area_range=(0.4, 0.8), ref_view='global'),
] + [dict(t, share_levels_with='global') for t in _base_.lowlevel_aug]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=_base_.synthetic_sampler,
    batch_sampler=dict(
        type='LevelGroupedBatchSampler', num_groups=4, drop_last=True),
    dataset=dict(
        type='LocalGlobalVideoDataset',
        ann_file=f'{data_root}/kinetics/train_list.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        frame_cache=_base_.synthetic_frame_cache,
        num_clips=_base_.num_clips,
        global_pipeline=global_pipeline,
        local_pipeline=local_pipeline))

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs,
         milestones=[max_epochs], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=8)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=1))

# features of `tools/demo.py`: local-clip geometry
demo_clip_len = _base_.clip_len
demo_frame_interval = _base_.frame_interval
demo_crop_size = input_size

# the pretraining feature monitor of every synthetic config
# (synthetic_knn.py) on this config's clip geometry
knn_dataset = dict(
    _base_.knn_dataset,
    clip_sampler=dict(
        _base_.knn_dataset.clip_sampler,
        clip_len=demo_clip_len,
        frame_interval=demo_frame_interval),
    view_pipeline=[
        dict(type='ClipResize', scale=(-1, input_size)),
        dict(type='ClipCenterCrop', crop_size=input_size)
    ])
custom_hooks = [
    dict(
        _base_.knn_monitor,
        train_dataloader=dict(
            _base_.knn_monitor.train_dataloader,
            dataset=dict(knn_dataset, ann_file=_base_.synthetic_train_list)),
        val_dataloader=dict(
            _base_.knn_monitor.val_dataloader,
            dataset=dict(knn_dataset, ann_file=_base_.synthetic_val_list)))
]
