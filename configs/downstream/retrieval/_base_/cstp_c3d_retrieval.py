# Retrieval with the CSTP C3D backbone of
# configs/_base_/models/cstp_c3d.py, as pretrained, at 112 px
# (retrieval_16x112.py).
_base_ = ['../../../_base_/models/cstp_c3d.py', './retrieval_16x112.py']

model = dict(_base_.extractor, _delete_=True, backbone=_base_.model.backbone)
