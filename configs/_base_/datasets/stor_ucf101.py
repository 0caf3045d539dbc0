# CSTP / STOR pretraining data: two 16 x 112 x 112 clips per video of UCF101
# split 1 (mmaction2's layout: data/ucf101/videos, annotation
# data/ucf101/ucf101_train_split_1_videos.txt; labels are not used).
#
# Spatio-temporal overlap augmentation (mmvssl.datasets.transforms.overlap):
# OverlapClipSampler draws the temporal and the spatial overlap labels
# (candidates 0.2 ... 1.0), one playback rate in [1, 2, 4, 8] for both clips
# (capped by the video length) and places the clips in time; clip 1 gets the
# base augmentation (OverlapAnchorCrop = multi-scale random resized crop),
# clip 2 the same without crop and temporal jitter (OverlapCrop places its
# box at the spatial overlap rate).
#
# Base augmentation (appendix): multi-scale crop, Gaussian blur, colour
# jitter, temporal jitter (the random start), playback rates; 90-degree
# rotations with the 0-10 degree rotation jitter form the "Rot." group of
# Table 1 (`views_norot` drops both).
dataset_type = 'MultiViewVideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = 'data/ucf101/ucf101_train_split_1_videos.txt'

clip_len = 16
frame_interval = 1
crop_size = 112
playback_rates = [1, 2, 4, 8]
overlaps = [0.2, 0.4, 0.6, 0.8, 1.0]

clip_sampler = dict(
    type='OverlapClipSampler',
    clip_len=clip_len,
    frame_interval=frame_interval,
    temporal_overlaps=overlaps,
    spatial_overlaps=overlaps,
    playback_rates=playback_rates)

# both clips: short side to 128 first (UCF101 is 320x240)
pre_crop = [dict(type='ClipResize', scale=(-1, 128))]
clip1_crop = [
    dict(
        type='OverlapAnchorCrop',
        scale=crop_size,
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3))
]
clip2_crop = [
    dict(
        type='OverlapCrop',
        ref_view='clip1',
        scale=crop_size,
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3))
]
photometric = [
    dict(
        type='ClipColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1,
        prob=0.8),
    dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=0.5),
]
rotation = [
    dict(type='ClipRotationJitter', max_angle=10),
    dict(type='ClipRotation', rotations=(0, 1, 2, 3)),
]
views_rot = [
    dict(name='clip1', pipeline=pre_crop + clip1_crop + photometric +
         rotation),
    dict(name='clip2', pipeline=pre_crop + clip2_crop + photometric +
         rotation),
]
views_norot = [
    dict(name='clip1', pipeline=pre_crop + clip1_crop + photometric),
    dict(name='clip2', pipeline=pre_crop + clip2_crop + photometric),
]

train_dataloader = dict(
    batch_size=15,  # x 4 GPUs = 60 (appendix)
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        clip_sampler=clip_sampler,
        views=views_rot))
val_dataloader = None
test_dataloader = None
