# UCF101 (split 1 train) self-supervised pretraining data of controllable
# augmentations: 8 GPUs x 16 videos = batch 128 (Sec. 4.2), each video one
# global view + 4 local clips (views: ./ctrlaug_views.py).
# Every batch draws 32 of the 512 intensity levels and splits its videos
# evenly among them (LevelGroupedBatchSampler, over the global batch).
# The loader is ctrlaug_k400.py's; only the data paths differ.
# Video backend: pyav (sequential decoding). UCF101 / HMDB51 ship as
# DivX-style AVI with B-frames and no timestamps, on which decord's
# seeking returns frames far from the requested ones, silently. Check
# the videos with tools/data/check_videos.py ANN_FILE --data-prefix DIR;
# with --reencode OUT_DIR it writes H.264 mp4 copies (key frame every 12
# frames) and a new annotation file: point ann_file / data_root at them
# and set video_backend='decord' (faster).
_base_ = ['./ctrlaug_k400.py']

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'

train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        video_backend='pyav'))
