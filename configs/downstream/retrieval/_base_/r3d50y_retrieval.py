# Retrieval with the global branch of the ConST-CL R3D-50 Y-network of
# configs/_base_/models/constcl_r3d50.py, at 224 px (retrieval_16x2_224.py).
_base_ = [
    '../../../_base_/models/constcl_r3d50.py', './retrieval_16x2_224.py'
]

model = dict(
    _base_.extractor,
    _delete_=True,
    backbone=dict(_base_.model.backbone, out_branch='global'))
