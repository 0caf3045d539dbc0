# CSTP / STOR pretraining data on Kinetics-400 (mmaction2's layout), same
# two-clip overlap augmentation as stor_ucf101.py; batch 128 = 8 x 16.
_base_ = ['./stor_ucf101.py']

data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

train_dataloader = dict(
    batch_size=16,  # x 8 GPUs = 128 (appendix)
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
