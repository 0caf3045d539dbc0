# Controllable-augmentations protocol: R3D-18 fine-tuning on Diving-48
# (V1 labels).
_base_ = ['./_base_/ctrlaug_r3d18.py']

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_v1_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_v1_test_list_videos.txt'

model = dict(cls_head=dict(num_classes=48))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
