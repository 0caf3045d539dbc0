# SiamFC on the ConST-CL R3D-50 Y network (local branch) of
# configs/_base_/models/constcl_r3d50.py, the paper's tracking protocol
# (_base_/siamfc_8xb32-20e_got10k-otb2015.py).
#
#   CFG=configs/downstream/otb/siamfc_r3d50y-local_8xb32-20e_got10k-otb2015.py
#   tools/dist_train.sh $CFG 8 \
#       --cfg-options load_from=work_dirs/r3d50_k400/iter_200000.pth
#   tools/dist_test.sh $CFG work_dirs/.../epoch_20.pth 8
_base_ = [
    '../../_base_/models/constcl_r3d50.py',
    './_base_/siamfc_8xb32-20e_got10k-otb2015.py'
]

model = dict(
    _base_.tracker,
    _delete_=True,
    backbone=dict(_base_.model.backbone, out_branch='local'))
