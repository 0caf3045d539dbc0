# CSTP linear evaluation of R(2+1)D-18 on HMDB51 split 1: the
# fine-tuning settings with the backbone frozen (BatchNorm statistics too);
# only the final fully-connected layer is trained.
_base_ = ['./cstp_r2plus1d18_ft_hmdb51-split1.py']

model = dict(type='LinearProbeRecognizer3D')
