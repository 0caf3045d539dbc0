# Kinetics-400 (train) self-supervised pretraining data of controllable
# augmentations: 8 GPUs x 16 videos = batch 128 (Sec. 4.2), each video one
# global view + 4 local clips (views: ./ctrlaug_views.py).
# Every batch draws 32 of the 512 intensity levels and splits its videos
# evenly among them (LevelGroupedBatchSampler, over the global batch).
# Video backend: decord (seeking; decord2 is installed). Before training,
# check the videos with tools/data/check_videos.py ANN_FILE --data-prefix
# DIR (unreadable files, wrong frame counts, inaccurate seeking, long
# GOPs); --reencode OUT_DIR writes H.264 copies with a key frame every 12
# frames and a new annotation file (YouTube downloads often have GOP 250,
# which doubles the seeking cost).
_base_ = ['./ctrlaug_views.py']

data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

train_dataloader = dict(
    batch_size=16,  # per GPU
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(
        type='LevelGroupedBatchSampler', num_groups=32, drop_last=True),
    dataset=dict(
        type='LocalGlobalVideoDataset',
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        video_backend='decord',
        num_clips=_base_.num_clips,
        num_frames=_base_.num_frames,
        clip_len=_base_.clip_len,
        frame_interval=_base_.frame_interval,
        global_pipeline=_base_.global_pipeline,
        local_pipeline=_base_.local_pipeline))
