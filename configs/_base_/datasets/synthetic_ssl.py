# Self-supervised pretraining data on mmvssl's synthetic benchmark
# (docs/synthetic_benchmark.md; generate it with
# `python tools/data/synthetic/generate.py --out data/synthetic`), two views,
# sized for CPU runs of a few minutes.
#
# The K400 recipe (configs/_base_/datasets/k400_ssl.py) scaled down: two
# clips of 8 frames at stride 4 (1.2 s of the 25 fps, 80-frame videos, as
# long as a 16-frame stride-2 clip; CVRL interval sampling), random resized
# crops (area [0.3, 1], aspect [0.5, 2]) of the 160x128 frames to 112^2,
# the same colour / blur / solarisation augmentations. No horizontal flip:
# the benchmark's motion classes come in mirror pairs (slide_left /
# slide_right, orbit_cw / orbit_ccw), so flip invariance would erase the
# very distinction its labels test.
# the benchmark folder; `tools/demo.py` points MMVSSL_SYNTHETIC_ROOT at the
# one it generated
data_root = '{{$MMVSSL_SYNTHETIC_ROOT:data/synthetic}}'
dataset_type = 'MultiViewVideoDataset'
video_prefix = data_root + '/videos'
ann_file_train = data_root + '/kinetics/train_list.txt'
ann_file_val = data_root + '/kinetics/val_list.txt'
crop_size = 112
clip_len = 8
frame_interval = 4

clip_sampler = dict(
    type='TemporalIntervalSampler',
    clip_len=clip_len,
    frame_interval=frame_interval,
    num_clips=2,
    interval='linear')
spatial_aug = [
    dict(
        type='ClipRandomResizedCrop',
        scale=crop_size,
        area_range=(0.3, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
]
color_aug = [
    dict(
        type='ClipColorJitter',
        brightness=0.8,
        contrast=0.8,
        saturation=0.8,
        hue=0.2,
        prob=0.8),
    dict(type='ClipGrayscale', prob=0.2),
]
view0_aug = [dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=1.0)]
view1_aug = [
    dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=0.1),
    dict(type='ClipSolarize', threshold=128, prob=0.2),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=video_prefix),
        clip_sampler=clip_sampler,
        views=[
            dict(name='view0', pipeline=spatial_aug + color_aug + view0_aug),
            dict(name='view1', pipeline=spatial_aug + color_aug + view1_aug),
        ]))

# Feature monitor: weighted kNN (k=20) of the val videos' action labels
# against the train videos', on one centred clip per video (global branch,
# average-pooled, L2-normalised), before training and after the last epoch.
knn_dataset = dict(
    type=dataset_type,
    data_prefix=dict(video=video_prefix),
    clip_sampler=dict(
        type='UniformClipSampler',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1,
        test_mode=True),
    view_pipeline=[
        dict(type='ClipResize', scale=(-1, crop_size)),
        dict(type='ClipCenterCrop', crop_size=crop_size),
    ],
    test_mode=True)
knn_monitor = dict(
    type='KNNMonitorHook',
    train_dataloader=dict(
        batch_size=16,
        num_workers=2,
        dataset=dict(knn_dataset, ann_file=ann_file_train)),
    val_dataloader=dict(
        batch_size=16,
        num_workers=2,
        dataset=dict(knn_dataset, ann_file=ann_file_val)),
    interval=1000,  # the hook also evaluates after the last epoch
    before_train=True)
custom_hooks = [knn_monitor]
