# Retrieval with the controllable-augmentations R3D-18 backbone of
# configs/_base_/models/ctrlaug_r3d18.py, as pretrained, at 112 px
# (retrieval_16x112.py).
_base_ = ['../../../_base_/models/ctrlaug_r3d18.py', './retrieval_16x112.py']

model = dict(_base_.extractor, _delete_=True, backbone=_base_.model.backbone)
