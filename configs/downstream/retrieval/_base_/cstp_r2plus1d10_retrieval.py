# Retrieval with the CSTP R(2+1)D-10 backbone of
# configs/_base_/models/cstp_r2plus1d10.py, as pretrained, at 112 px
# (retrieval_16x112.py).
_base_ = ['../../../_base_/models/cstp_r2plus1d10.py', './retrieval_16x112.py']

model = dict(_base_.extractor, _delete_=True, backbone=_base_.model.backbone)
