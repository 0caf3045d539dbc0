# AVA-Kinetics, tested on ground-truth person boxes.
_base_ = './constcl-local_r3d50y_actr_32x2_ava-kinetics.py'

val_dataloader = dict(dataset=dict(
    proposal_file='data/ava_kinetics/annotations/'
    'ava_kinetics_gt_proposals_val_v1.0.pkl'))
test_dataloader = val_dataloader
