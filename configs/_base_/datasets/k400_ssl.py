# Kinetics-400 self-supervised pretraining data (CVRL / ConST-CL), two views.
#
# Temporal: CVRL's interval sampling - two clips of 16 frames at temporal
# stride 2 (32 raw frames each), the gap between their starts drawn from a
# linearly decreasing distribution over the whole video.
# Spatial (temporally consistent, one draw per clip): random resized crop
# with area [0.3, 1] and aspect ratio [0.5, 2] to 224^2, horizontal flip.
# Photometric, as the official CVRL / ConST-CL input pipeline
# (tensorflow/models official/projects/video_ssl): colour jitter of
# strength 1.0 (brightness / contrast / saturation 0.8, hue 0.2) with
# p=0.8, grayscale p=0.2, Gaussian blur (sigma U(0.1, 2), kernel ~10% of the
# side) with p=1.0 on the first view and p=0.1 on the second, solarisation
# p=0.2 on the second view only (BYOL's asymmetric recipe).
# With a GPU, add deferred=True to the four photometric transforms to draw
# them in the workers and apply them batched in MultiViewDataPreprocessor
# (same pixels; 2.8x less worker CPU time, docs/benchmarks.md).
# Normalisation (ImageNet mean / std in 0-255) is done by the model's
# MultiViewDataPreprocessor.
# Video backend: decord (seeking; decord2 is installed). Before training,
# check the videos with tools/data/check_videos.py ANN_FILE --data-prefix
# DIR (unreadable files, wrong frame counts, inaccurate seeking, long
# GOPs); --reencode OUT_DIR writes H.264 copies with a key frame every 12
# frames and a new annotation file (YouTube downloads often have GOP 250,
# which doubles the seeking cost).
dataset_type = 'MultiViewVideoDataset'
data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

clip_sampler = dict(
    type='TemporalIntervalSampler',
    clip_len=16,
    frame_interval=2,
    num_clips=2,
    interval='linear')
spatial_aug = [
    dict(
        type='ClipRandomResizedCrop',
        scale=224,
        area_range=(0.3, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
    dict(type='ClipFlip', flip_ratio=0.5),
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
region_slot = 'region_source'
view0_aug = [dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=1.0)]
view1_aug = [
    dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=0.1),
    dict(type='ClipSolarize', threshold=128, prob=0.2),
]

train_dataloader = dict(
    batch_size=128,  # per GPU: 8 GPUs x 128 = 1024 clips pairs per step
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        video_backend='decord',
        clip_sampler=clip_sampler,
        # 'region_source' is a slot: the dataset's `region_source` (region
        # boxes, after the spatial transforms and before the photometric
        # ones; k400_ssl_regions.py) goes there, or nothing (the default).
        views=[
            dict(
                name='view0',
                pipeline=spatial_aug + [region_slot] + color_aug + view0_aug),
            dict(
                name='view1',
                pipeline=spatial_aug + [region_slot] + color_aug + view1_aug),
        ]))
