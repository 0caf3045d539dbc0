# CSTP linear evaluation on UCF101 split 1: the fine-tuning settings with
# the convolutional layers frozen (BatchNorm statistics too); only the final
# fully-connected layer is trained.
_base_ = ['./cstp_r2plus1d18_ft_ucf101-split1.py']

model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
