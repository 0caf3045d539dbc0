# CVRL (Qian et al., CVPR 2021), the ConST-CL baseline (Table 4, row "-"):
# the plain R3D-50 of Table 6 (a single res5) + the same global MLP head and
# InfoNCE loss as ConST-CL's global branch.
model = dict(
    type='CVRL',
    backbone=dict(
        type='ResNet3dY',
        depth=50,
        loss_endpoints='C5',
        out_branch='global',
        norm_cfg=dict(type='BN3d', requires_grad=True)),
    neck=dict(
        type='MLPProjectionNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        num_hidden_layers=3,
        normalize_inputs=False),
    loss_global=dict(type='InfoNCELoss', temperature=0.1),
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]))
