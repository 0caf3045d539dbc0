# UCF101 (split 1 train) self-supervised pretraining data of controllable
# augmentations: 8 GPUs x 16 videos = batch 128 (Sec. 4.2), each video one
# global view + 4 local clips (views: ./ctrlaug_views.py).
# Every batch draws 32 of the 512 intensity levels and splits its videos
# evenly among them (LevelGroupedBatchSampler, over the global batch).
# The loader is ctrlaug_k400.py's; only the data paths differ.
_base_ = ['./ctrlaug_k400.py']

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
