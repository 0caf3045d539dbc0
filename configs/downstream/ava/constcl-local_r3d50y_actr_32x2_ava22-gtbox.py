# Test on ground-truth person boxes instead of detected ones (the "GT"
# column of ConST-CL's Table 1). Build the proposal file with
#   python tools/data/ava_kinetics/build_annotations.py gt-proposals \
#       data/ava/annotations/ava_val_v2.2.csv \
#       data/ava/annotations/ava_gt_proposals_val_v2.2.pkl
_base_ = './constcl-local_r3d50y_actr_32x2_ava22.py'

val_dataloader = dict(dataset=dict(
    proposal_file='data/ava/annotations/ava_gt_proposals_val_v2.2.pkl'))
test_dataloader = val_dataloader
