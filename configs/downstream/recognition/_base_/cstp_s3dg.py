# CSTP's recognition protocol (cstp_protocol.py) on the S3D-G backbone of
# configs/_base_/models/cstp_s3dg.py, as pretrained.
_base_ = ['../../../_base_/models/cstp_s3dg.py', './cstp_protocol.py']

model = dict(
    _base_.recognizer,
    _delete_=True,
    backbone=_base_.model.backbone,
    cls_head=dict(_base_.recognizer.cls_head, in_channels=_base_.feat_dim))
