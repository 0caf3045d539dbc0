# CSTP / STOR pretraining data on Kinetics-400 (mmaction2's layout), same
# two-clip overlap augmentation as cstp_ucf101.py; batch 128 = 8 x 16.
# Video backend: decord (seeking; decord2 is installed). Before training,
# check the videos with tools/data/check_videos.py ANN_FILE --data-prefix
# DIR (unreadable files, wrong frame counts, inaccurate seeking, long
# GOPs); --reencode OUT_DIR writes H.264 copies with a key frame every 12
# frames and a new annotation file (YouTube downloads often have GOP 250,
# which doubles the seeking cost).
_base_ = ['./cstp_ucf101.py']

data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

# the official Kinetics frames are extracted at short side 320 (UCF101: 256)
source_short_side = 320
pre_crop = [dict(type='ClipResize', scale=(-1, source_short_side))]
views_rot = [
    dict(name='clip1', pipeline=pre_crop + _base_.clip1_crop +
         _base_.base_aug_rot + _base_.rotation90),
    dict(name='clip2', pipeline=pre_crop + _base_.clip2_crop +
         _base_.base_aug_rot + _base_.rotation90),
]
views_norot = [
    dict(name='clip1', pipeline=pre_crop + _base_.clip1_crop +
         _base_.base_aug_norot),
    dict(name='clip2', pipeline=pre_crop + _base_.clip2_crop +
         _base_.base_aug_norot),
]

train_dataloader = dict(
    batch_size=16,  # x 8 GPUs = 128 (appendix)
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        video_backend='decord',
        views=views_rot))
