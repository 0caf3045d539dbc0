# CSTP linear evaluation of R3D-18 on UCF101 split 1: the
# fine-tuning settings with the backbone frozen (BatchNorm statistics too);
# only the final fully-connected layer is trained.
_base_ = ['./cstp_r3d18_ft_ucf101-split1.py']

model = dict(type='LinearProbeRecognizer3D')
