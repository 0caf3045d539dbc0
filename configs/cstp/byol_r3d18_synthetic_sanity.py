# The sanity check's control for plain BYOL (tools/analysis/sanity_check.py
# --method byol): the check's CVRL recipe (configs/cvrl/r3d18_synthetic_sanity.py:
# `easy` preset, 48-px crops, 560 steps) with only the head swapped for the
# BYOL head of _base_/models/synthetic_ssl_heads.py, as
# byol_r3d18_synthetic.py swaps it into CVRL's demo recipe.
#
# Measured (docs/synthetic_benchmark.md, "Round 11"; seed 0, appearance
# probe pretrained vs random): CVRL +25.0 (43.1 vs 18.1, passes); BYOL
# +8.3 (26.4 vs 18.1, fails):
# without negatives the actor is not learnt in this budget even on `easy`.
#
#   python tools/analysis/sanity_check.py --method byol
_base_ = [
    '../cvrl/r3d18_synthetic_sanity.py',
    '../_base_/models/synthetic_ssl_heads.py',
]

model = dict(
    _delete_=True,
    type='BYOL',
    backbone={{_base_.model.backbone}},
    head={{_base_.synthetic_byol_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
custom_hooks = [
    {{_base_.knn_monitor}},
    dict(type='MomentumUpdateHook', end_momentum=1.),
]
