# CSTP / STOR pretraining data on mmvssl's synthetic benchmark
# (docs/synthetic_benchmark.md; `python tools/data/synthetic/generate.py
# --out data/synthetic`), sized for CPU runs of a few minutes: two clips of
# 8 frames cropped to 64 x 64 from the 160 x 128, 80-frame videos.
#
# Same overlap augmentation as cstp_ucf101.py. With 8-frame clips the
# temporal candidates 0.2 ... 1.0 are realised as shifts of 6, 5, 3, 2, 0
# frames (rates 0.25, 0.375, 0.625, 0.75, 1); playback rates 1, 2, 4 (a
# pair at overlap 0.2 and rate 8 would need 105 frames); no resize before
# the crops (the frames are already small). The kNN monitor of the other
# methods' synthetic configs (synthetic_knn.py: one centred 4 x 64 x 64
# clip per video) is kept.
_base_ = ['./cstp_ucf101.py', './synthetic_knn.py']

data_root = _base_.synthetic_videos
ann_file_train = _base_.synthetic_train_list
clip_len = 8
crop_size = 64
playback_rates = [1, 2, 4]

clip_sampler = dict(clip_len=clip_len, playback_rates=playback_rates)
clip1_crop = [dict(_base_.clip1_crop[0], scale=crop_size)]
clip2_crop = [dict(_base_.clip2_crop[0], scale=crop_size)]
views_rot = [
    dict(name='clip1', pipeline=clip1_crop + _base_.photometric +
         _base_.rotation),
    dict(name='clip2', pipeline=clip2_crop + _base_.photometric +
         _base_.rotation),
]
views_norot = [
    dict(name='clip1', pipeline=clip1_crop + _base_.photometric),
    dict(name='clip2', pipeline=clip2_crop + _base_.photometric),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    sampler=_base_.synthetic_sampler,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        frame_cache=_base_.synthetic_frame_cache,
        clip_sampler=clip_sampler,
        views=views_rot))
