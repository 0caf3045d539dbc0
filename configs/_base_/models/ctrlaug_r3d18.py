# Controllable augmentations (Qian et al., ECCV 2022), Sec. 3-4.2: one R3D-18
# shared by the local clips and the global video. Clips use the default
# temporal strides (16x112^2 -> 2x4x4 features); the global video is encoded
# with the temporal stride of the last 3 stages set to 1 ('dense' mode, same
# weights) -> 8x4x4. Objectives: soft region contrast (L_rc, Eq. 3-4),
# low-level MI minimisation with a MINE estimator behind a gradient
# reversal layer (L_mi, Eq. 5-6) and the local-global temporal-order
# dependency with a GRU head (L_td, Eq. 7; GRU is the paper's default,
# Table 6). Loss weights and temperatures are not given in the paper: all
# weights 1, tau 0.1 (see docs/ctrlaug.md).
feat_channels = 512  # R3D-18 / R3D-34 res5 channels

model = dict(
    type='CtrlAug',
    backbone=dict(
        type='StrideSwitchResNet3d',
        depth=18,
        temporal_strides=(1, 1, 2, 2),
        temporal_stride_modes=dict(dense=(1, 1, 1, 1)),
        norm_eval=False),
    global_view='global',
    global_stride_mode='dense',
    objectives=dict(
        rc=dict(type='SoftRegionContrastHead', temperature=0.1,
                min_coverage=0.5),
        mi=dict(
            type='LowLevelMIHead',
            estimator=dict(
                type='MINEEstimator',
                in_channels=feat_channels,
                hid_channels=512),
            level_keys=('color_jitter', 'blur'),
            grl_coeff=1.0),
        td=dict(
            type='TemporalDependencyHead',
            head=dict(
                type='GRUOrderHead', in_channels=feat_channels,
                temperature=0.1))),
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]))
