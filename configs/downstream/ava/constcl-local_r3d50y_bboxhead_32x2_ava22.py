# Baseline RoI head: mmaction2's plain BBoxHeadAVA (RoIAlign, max-pooled,
# one linear layer) on the RoI features, no action transformer.
_base_ = './constcl-local_r3d50y_actr_32x2_ava22.py'

model = dict(
    roi_head=dict(shared_head=None, bbox_head=dict(in_channels=2048)))
