# CSTP / STOR pretraining data on mmvssl's synthetic benchmark
# (docs/synthetic_benchmark.md; `python tools/data/synthetic/generate.py
# --out data/synthetic`), sized for CPU runs of a few minutes: two clips of
# 8 frames cropped to 64 x 64 from the 160 x 128, 80-frame videos.
#
# Same overlap augmentation as stor_ucf101.py. With 8-frame clips the
# temporal candidates 0.2 ... 1.0 are realised as shifts of 6, 5, 3, 2, 0
# frames (rates 0.25, 0.375, 0.625, 0.75, 1); playback rates 1, 2, 4 (a
# pair at overlap 0.2 and rate 8 would need 105 frames). The kNN monitor of
# synthetic_ssl.py (one centred 16 x 112 x 112 clip per video, the protocol
# of the other methods' synthetic configs) is kept.
_base_ = ['./synthetic_ssl.py']

clip_len = 8
crop_size = 64
playback_rates = [1, 2, 4]
overlaps = [0.2, 0.4, 0.6, 0.8, 1.0]

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
    dict(name='clip1', pipeline=clip1_crop + photometric + rotation),
    dict(name='clip2', pipeline=clip2_crop + photometric + rotation),
]
views_norot = [
    dict(name='clip1', pipeline=clip1_crop + photometric),
    dict(name='clip2', pipeline=clip2_crop + photometric),
]

train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        clip_sampler=dict(
            _delete_=True,
            type='OverlapClipSampler',
            clip_len=clip_len,
            frame_interval=1,
            temporal_overlaps=overlaps,
            spatial_overlaps=overlaps,
            playback_rates=playback_rates),
        views=views_rot))
