# CSTP linear evaluation of S3D-G on HMDB51 split 1: the
# fine-tuning settings with the backbone frozen (BatchNorm statistics too);
# only the final fully-connected layer is trained.
_base_ = ['./cstp_s3dg_ft_hmdb51-split1.py']

model = dict(type='LinearProbeRecognizer3D')
