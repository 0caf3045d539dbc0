# The AVA v2.2 protocol (_base_/actr_32x2_ava22.py) on the CVRL backbone of
# configs/_base_/models/cvrl_r3d50.py (the plain R3D-50, one res5 `layer4`):
# `load_from` a CVRL checkpoint.
_base_ = ['../../_base_/models/cvrl_r3d50.py', './_base_/actr_32x2_ava22.py']

model = dict(
    _base_.detector,
    _delete_=True,
    backbone=dict(
        _base_.model.backbone, spatial_strides=_base_.res5_stride_1))
