# ConST-CL (local branch) + action transformer on AVA-Kinetics (Li et al.
# 2020): AVA v2.2 plus the AVA-annotated Kinetics-700 keyframes, the
# benchmark of ConST-CL's Table 1 (39.4 / 30.5 mAP with GT / detected boxes).
# Same model and schedule as the AVA v2.2 config; mmaction2's
# AVAKineticsDataset reads both parts, through CheckedAVAKineticsDataset
# (an unreadable / wrongly keyed proposal file is an error, not whole-frame
# boxes). Prepare the annotations with
# tools/data/ava_kinetics/build_annotations.py and the Kinetics detections
# with tools/data/detect_boxes.py --ava-keyframes (docs/ava.md).
_base_ = './constcl-local_r3d50y_actr_32x2_ava22.py'

custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.roi_heads', 'mmvssl.datasets'],
    allow_failed_imports=False)

dataset_type = 'CheckedAVAKineticsDataset'
data_root = 'data/ava_kinetics/rawframes'  # AVA videos + Kinetics clips
anno_root = 'data/ava_kinetics/annotations'
ann_file_train = f'{anno_root}/ava_kinetics_train_v1.0.csv'
ann_file_val = f'{anno_root}/ava_kinetics_val_v1.0.csv'
exclude_file_train = f'{anno_root}/ava_kinetics_train_excluded_timestamps_v1.0.csv'  # noqa: E501
exclude_file_val = f'{anno_root}/ava_kinetics_val_excluded_timestamps_v1.0.csv'  # noqa: E501
label_file = f'{anno_root}/ava_action_list_v2.2_for_activitynet_2019.pbtxt'
proposal_file_train = f'{anno_root}/ava_kinetics_gt_proposals_train_v1.0.pkl'
proposal_file_val = f'{anno_root}/ava_kinetics_dense_proposals_val_v1.0.pkl'

_data = dict(
    type=dataset_type,
    label_file=label_file,
    data_prefix=dict(img=data_root))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train,
        exclude_file=exclude_file_train,
        proposal_file=proposal_file_train,
        **_data))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        proposal_file=proposal_file_val,
        **_data))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=ann_file_val, label_file=label_file,
    exclude_file=exclude_file_val)
test_evaluator = val_evaluator
