# CSTP reports fine-tuning accuracy averaged over the three splits.
_base_ = ['./cstp_c3d_ft_ucf101-split1.py']

split = 3
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
train_dataloader = dict(dataset=dict(ann_file=ann_file_train))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val))
test_dataloader = dict(dataset=dict(ann_file=ann_file_val))
