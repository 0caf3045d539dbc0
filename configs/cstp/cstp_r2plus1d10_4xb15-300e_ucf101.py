# CSTP (BYOL + playback rate + rotation + STOR) on UCF101 split 1 with
# R(2+1)D-10 at 16 x 112 x 112: the paper's main UCF101 setting (Tables 2,
# 6, 7; fine-tune / retrieve with configs/downstream/).
#
#   bash tools/dist_train.sh \
#       configs/cstp/cstp_r2plus1d10_4xb15-300e_ucf101.py 4
_base_ = [
    '../_base_/models/cstp_r2plus1d10.py',
    '../_base_/datasets/cstp_ucf101.py',
    '../_base_/schedules/cstp_sgd_cosine_300e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))
