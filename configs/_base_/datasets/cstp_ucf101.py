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
# Table 1 (`views_norot` drops both). Probabilities and the source resize
# follow the released code (below).
# Video backend: pyav (sequential decoding). UCF101 / HMDB51 ship as
# DivX-style AVI with B-frames and no timestamps, on which decord's
# seeking returns frames far from the requested ones, silently. Check
# the videos with tools/data/check_videos.py ANN_FILE --data-prefix DIR;
# with --reencode OUT_DIR it writes H.264 mp4 copies (key frame every 12
# frames) and a new annotation file: point ann_file / data_root at them
# and set video_backend='decord' (faster).
dataset_type = 'MultiViewVideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = 'data/ucf101/ucf101_train_split_1_videos.txt'

clip_len = 16
frame_interval = 1
crop_size = 112
playback_rates = [1, 2, 4, 8]
overlaps = [0.2, 0.4, 0.6, 0.8, 1.0]

# Where the paper is silent, the released CSTP code decides (facts from it,
# mmvssl's own implementation):
# - playback_cap='clip': a playback rate is allowed when one clip of it fits
#   in the video, (clip_len - 1) * rate <= frames, drawn uniformly among the
#   allowed ones (UCF101 split 1: P(1/2/4/8) = .28/.28/.27/.18); a temporal
#   label that does not fit at that rate is redrawn, as the official loop
#   does (docs/cstp.md).
clip_sampler = dict(
    type='OverlapClipSampler',
    clip_len=clip_len,
    frame_interval=frame_interval,
    temporal_overlaps=overlaps,
    spatial_overlaps=overlaps,
    playback_rates=playback_rates,
    playback_cap='clip')

# - source resize: the official frames are extracted at short side 256 for
#   UCF101 / HMDB51 (320 for Kinetics, see cstp_kinetics400.py); crops are
#   taken from those and resized to 112.
source_short_side = 256
pre_crop = [dict(type='ClipResize', scale=(-1, source_short_side))]
# - clip 1's crop: free (area U(0.2, 1), aspect U(3/4, 4/3)), as the
#   official code: its area distribution is that of a plain crop whatever
#   the candidate set; a spatial label that cannot be realised from it is
#   redrawn (size_mode='free').
clip1_crop = [
    dict(
        type='OverlapAnchorCrop',
        scale=crop_size,
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3),
        size_mode='free')
]
clip2_crop = [
    dict(
        type='OverlapCrop',
        ref_view='clip1',
        scale=crop_size,
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3))
]
# - photometric augmentation: the official two-clip transform applies, per
#   clip, with probability 0.3 the "base" augmentation (rotation jitter of
#   0-10 degrees, colour jitter 0.4/0.4/0.4/0.1 with p=0.8, grayscale p=0.2,
#   Gaussian blur sigma U(0.1, 2) with p=0.5, flip), otherwise only a flip
#   (p=0.5): per clip jitter 0.24, grayscale 0.06, blur 0.15, rotation
#   jitter 0.3, flip 0.5. (Its grayscale copies one random channel; ours
#   uses luminance.)
base_photometric = [
    dict(
        type='ClipColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1,
        prob=0.8),
    dict(type='ClipGrayscale', prob=0.2),
    dict(type='ClipGaussianBlur', sigma=(0.1, 2.0), prob=0.5),
]
base_aug_prob = 0.3
base_aug_rot = [
    dict(
        type='ClipRandomApply',
        prob=base_aug_prob,
        transforms=[dict(type='ClipRotationJitter', max_angle=10)] +
        base_photometric),
    dict(type='ClipFlip', flip_ratio=0.5),
]
base_aug_norot = [
    dict(
        type='ClipRandomApply', prob=base_aug_prob,
        transforms=base_photometric),
    dict(type='ClipFlip', flip_ratio=0.5),
]
# 90-degree rotations (the rotation pretext), drawn per clip
rotation90 = [dict(type='ClipRotation', rotations=(0, 1, 2, 3))]
# the previous always-on lists (jitter p=0.8 and blur p=0.5 on every clip,
# rotation jitter on every clip, no flip / grayscale), kept for configs that
# build their own views from them (cstp_synthetic.py): the base jitter and
# blur
photometric = [base_photometric[0], base_photometric[2]]
rotation = [
    dict(type='ClipRotationJitter', max_angle=10),
    dict(type='ClipRotation', rotations=(0, 1, 2, 3)),
]
views_rot = [
    dict(name='clip1', pipeline=pre_crop + clip1_crop + base_aug_rot +
         rotation90),
    dict(name='clip2', pipeline=pre_crop + clip2_crop + base_aug_rot +
         rotation90),
]
views_norot = [
    dict(name='clip1', pipeline=pre_crop + clip1_crop + base_aug_norot),
    dict(name='clip2', pipeline=pre_crop + clip2_crop + base_aug_norot),
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
        video_backend='pyav',
        clip_sampler=clip_sampler,
        views=views_rot))
val_dataloader = None
test_dataloader = None
