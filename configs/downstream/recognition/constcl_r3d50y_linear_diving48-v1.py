# Linear probe of the R3D-50-Y global branch on Diving-48 with the V1
# labels (48 classes; train list from Diving48_train.json, test list from
# Diving48_test.json; see configs/downstream/README.md).
_base_ = ['./_base_/constcl_linear_probe.py']

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_v1_train_list_videos.txt'
ann_file_test = 'data/diving48/diving48_v1_test_list_videos.txt'

model = dict(cls_head=dict(num_classes=48))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root)))
