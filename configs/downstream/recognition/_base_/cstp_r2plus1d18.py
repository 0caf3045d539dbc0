# CSTP's recognition protocol (cstp_protocol.py) on the R(2+1)D-18 backbone of
# configs/_base_/models/cstp_r2plus1d18.py, as pretrained.
_base_ = ['../../../_base_/models/cstp_r2plus1d18.py', './cstp_protocol.py']

model = dict(
    _base_.recognizer,
    _delete_=True,
    backbone=_base_.model.backbone,
    cls_head=dict(_base_.recognizer.cls_head, in_channels=_base_.feat_dim))
