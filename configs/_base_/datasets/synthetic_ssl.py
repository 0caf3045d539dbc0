# Self-supervised pretraining data on mmvssl's synthetic benchmark
# (docs/synthetic_benchmark.md; generate it with
# `python tools/data/synthetic/generate.py --out data/synthetic`), two views,
# sized for CPU runs of about ten minutes.
#
# The K400 recipe (configs/_base_/datasets/k400_ssl.py) made small by
# measurement (docs/synthetic_benchmark.md, "Round 3"): two clips of 4 frames
# at stride 8 (1.3 s of the 25 fps, 80-frame videos; CVRL interval
# sampling), random resized crops (area [0.5, 1], aspect [3/4, 4/3]) of the
# 160x128 frames to 64^2, batch 32. Many small steps beat few large ones on
# 2 cores: InfoNCE sits on its chance plateau for the first 100-400 steps.
# Colour jitter at half the K400 strength with grayscale p=0.5 (the actor's
# colours drift over a v2 video anyway); no blur / solarisation (they cost
# worker time and do little at 64 px). No horizontal flip: the benchmark's
# motion classes come in mirror pairs (slide_left / slide_right, orbit_cw /
# orbit_ccw), so flip invariance would erase the very distinction its
# labels test.
# Paths and the kNN feature monitor: synthetic_knn.py.
_base_ = ['./k400_ssl.py', './synthetic_knn.py']

data_root = _base_.synthetic_root
video_prefix = _base_.synthetic_videos
ann_file_train = _base_.synthetic_train_list
ann_file_val = _base_.synthetic_val_list
crop_size = _base_.knn_crop_size
clip_len = _base_.knn_clip_len
frame_interval = _base_.knn_frame_interval

clip_sampler = dict(clip_len=clip_len, frame_interval=frame_interval)
spatial_aug = [
    dict(
        type='ClipRandomResizedCrop',
        scale=crop_size,
        area_range=(0.5, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
]
color_aug = [
    dict(
        _base_.color_aug[0],
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1),
    dict(_base_.color_aug[1], prob=0.5),
]
view_pipeline = spatial_aug + [_base_.region_slot] + color_aug

# the same two views on 48-px crops (ConST-CL's synthetic recipe, where a
# 64-px step costs twice CVRL's): a config sets
# `train_dataloader = dict(dataset=dict(views=views_48px))` with the kNN
# monitor on the same crops (synthetic_knn.py, knn_monitor_48px)
crop_size_48px = _base_.knn_crop_size_48px
view_pipeline_48px = [dict(spatial_aug[0], scale=crop_size_48px)] + [
    _base_.region_slot
] + color_aug
views_48px = [
    dict(name='view0', pipeline=view_pipeline_48px),
    dict(name='view1', pipeline=view_pipeline_48px),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    sampler=_base_.synthetic_sampler,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=video_prefix),
        frame_cache=_base_.synthetic_frame_cache,
        clip_sampler=clip_sampler,
        views=[
            dict(name='view0', pipeline=view_pipeline),
            dict(name='view1', pipeline=view_pipeline),
        ]))
