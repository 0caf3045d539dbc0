# The synthetic benchmark's paths and the pretraining feature monitor that
# every synthetic pretraining config shares (synthetic_ssl.py,
# cstp_synthetic.py): weighted kNN (k=20) of the val videos' action labels
# against the train videos', on one centred 4-frame (stride 8) 64^2 clip
# per video (global branch, average-pooled, L2-normalised), before training,
# every 10 epochs and after the last epoch (the curve in the demo's
# leaderboard).
#
# The benchmark folder comes from MMVSSL_SYNTHETIC_ROOT (`tools/demo.py`
# points it at the one it generated), else data/synthetic.
synthetic_root = '{{$MMVSSL_SYNTHETIC_ROOT:data/synthetic}}'
synthetic_videos = synthetic_root + '/videos'
synthetic_train_list = synthetic_root + '/kinetics/train_list.txt'
synthetic_val_list = synthetic_root + '/kinetics/val_list.txt'
# decoded frames of the benchmark's videos, kept after their first read
# (MultiViewVideoDataset(frame_cache=...); ~5 MB per video, 4.2 GB for the
# 864 videos of `default`): a synthetic video is read hundreds of times in a
# pretraining and decoding it was ~75% of a data worker's time
synthetic_frame_cache = synthetic_root + '/.frame_cache'
# the clip geometry of the synthetic pretraining recipes (synthetic_ssl.py):
# the kNN monitor sees one centred clip of it
knn_clip_len = 4
knn_frame_interval = 8
knn_crop_size = 64
# the training sampler of every synthetic pretraining: mmengine's
# DefaultSampler whose indices carry a seed of (seed, epoch, index), so the
# augmentations of a resumed pretraining, or of one with another worker
# count, are those of an uninterrupted run (mmvssl/datasets/seeded_sampler.py)
synthetic_sampler = dict(type='SeededSampler', shuffle=True)

knn_dataset = dict(
    type='MultiViewVideoDataset',
    data_prefix=dict(video=synthetic_videos),
    frame_cache=synthetic_frame_cache,
    clip_sampler=dict(
        type='UniformClipSampler',
        clip_len=knn_clip_len,
        frame_interval=knn_frame_interval,
        num_clips=1,
        test_mode=True),
    view_pipeline=[
        dict(type='ClipResize', scale=(-1, knn_crop_size)),
        dict(type='ClipCenterCrop', crop_size=knn_crop_size),
    ],
    test_mode=True)
knn_monitor = dict(
    type='KNNMonitorHook',
    train_dataloader=dict(
        batch_size=32,
        num_workers=2,
        dataset=dict(knn_dataset, ann_file=synthetic_train_list)),
    val_dataloader=dict(
        batch_size=32,
        num_workers=2,
        dataset=dict(knn_dataset, ann_file=synthetic_val_list)),
    interval=10,  # epochs; the hook also evaluates after the last one
    before_train=True)
custom_hooks = [knn_monitor]

# the same monitor on 48-px crops, for a recipe that trains on the 48-px
# views of synthetic_ssl.py (`views_48px`; configs/constcl/r3d18_synthetic.py):
# `custom_hooks = [knn_monitor_48px]`, and `demo_crop_size = 48` for the
# features of tools/demo.py
knn_crop_size_48px = 48
knn_dataset_48px = dict(
    knn_dataset,
    view_pipeline=[
        dict(type='ClipResize', scale=(-1, knn_crop_size_48px)),
        dict(type='ClipCenterCrop', crop_size=knn_crop_size_48px),
    ])
knn_monitor_48px = dict(
    knn_monitor,
    train_dataloader=dict(
        knn_monitor['train_dataloader'],
        dataset=dict(knn_dataset_48px, ann_file=synthetic_train_list)),
    val_dataloader=dict(
        knn_monitor['val_dataloader'],
        dataset=dict(knn_dataset_48px, ann_file=synthetic_val_list)))

# the 48-px monitor on the motion labels (kinetics/*_list_motion.txt, the
# factor lists the generator writes): for the temporal pretexts (the CSTP
# rows, configs/_base_/datasets/cstp_synthetic.py), whose target factor is
# motion, so the monitor follows what they are built to learn (the action
# monitor reads 36 classes at 2.8% chance, where a temporal pretext's gain
# is a few videos of 432: docs/synthetic_benchmark.md, "Round 12").
# tools/demo.py reads the factor from the val list's name.
synthetic_train_list_motion = (
    synthetic_root + '/kinetics/train_list_motion.txt')
synthetic_val_list_motion = synthetic_root + '/kinetics/val_list_motion.txt'
knn_monitor_48px_motion = dict(
    knn_monitor_48px,
    train_dataloader=dict(
        knn_monitor_48px['train_dataloader'],
        dataset=dict(knn_dataset_48px, ann_file=synthetic_train_list_motion)),
    val_dataloader=dict(
        knn_monitor_48px['val_dataloader'],
        dataset=dict(knn_dataset_48px, ann_file=synthetic_val_list_motion)))
