# ConST-CL local branch (res5_r, C5_r) + action-transformer head on AVA v2.2:
# the protocol of _base_/actr_32x2_ava22.py on the R3D-50 Y-network of
# configs/_base_/models/constcl_r3d50.py (the pretrained backbone; the
# protocol sets out_branch and res5's spatial stride 1). Tested on detected
# boxes (this config) or ground-truth boxes (`*_ava22-gtbox.py`).
#
#   python tools/data/ava_kinetics/build_annotations.py gt-proposals \
#       data/ava/annotations/ava_train_v2.2.csv \
#       data/ava/annotations/ava_gt_proposals_train_v2.2.pkl
#   tools/dist_train.sh \
#       configs/downstream/ava/constcl-local_r3d50y_actr_32x2_ava22.py 8 \
#       --cfg-options load_from=work_dirs/r3d50_k400/iter_200000.pth
_base_ = [
    '../../_base_/models/constcl_r3d50.py', './_base_/actr_32x2_ava22.py'
]

model = dict(
    _base_.detector,
    _delete_=True,
    backbone=dict(
        _base_.model.backbone,
        # 'local': C5_r (res5_r) of a ConST-CL Y-network; 'global': C5_g
        out_branch='local',
        spatial_strides=_base_.res5_stride_1))
