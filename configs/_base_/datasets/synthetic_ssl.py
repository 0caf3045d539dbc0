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
# Paths and the kNN feature monitor: synthetic_knn.py.
_base_ = ['./k400_ssl.py', './synthetic_knn.py']

data_root = _base_.synthetic_root
video_prefix = _base_.synthetic_videos
ann_file_train = _base_.synthetic_train_list
ann_file_val = _base_.synthetic_val_list
crop_size = 112
clip_len = 8
frame_interval = 4

clip_sampler = dict(clip_len=clip_len, frame_interval=frame_interval)
spatial_aug = [
    dict(
        type='ClipRandomResizedCrop',
        scale=crop_size,
        area_range=(0.3, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=video_prefix),
        clip_sampler=clip_sampler,
        views=[
            dict(
                name='view0',
                pipeline=spatial_aug + [_base_.region_slot] +
                _base_.color_aug + _base_.view0_aug),
            dict(
                name='view1',
                pipeline=spatial_aug + [_base_.region_slot] +
                _base_.color_aug + _base_.view1_aug),
        ]))
