# Table 5, 2 / 2 / 2 levels of brightness-contrast-saturation / hue / blur:
# 2^3 * 2 * 2 = 32 levels (all of them drawn in every batch). B, C, S split
# [0, 0.4] in 2; blur: sigma levels [0.1, 0.5], [0.5, 2.0] with the kernel
# fixed to 11 (the paper does not say which blur parameter keeps 2 levels).
_base_ = ['../r3d18_ucf101_150e.py']

bcs_levels = [(0.0, 0.2), (0.2, 0.4)]
lowlevel_aug = [
    dict(
        type='ClipColorJitter',
        brightness=bcs_levels,
        contrast=bcs_levels,
        saturation=bcs_levels,
        hue=_base_.hue_levels,
        prob=1.0),
    dict(
        type='ClipGaussianBlur',
        kernel_size=11,
        sigma=[(0.1, 0.5), (0.5, 2.0)],
        prob=1.0),
]
train_dataloader = dict(
    dataset=dict(
        global_pipeline=_base_.global_spatial + lowlevel_aug,
        local_pipeline=_base_.local_spatial +
        [dict(t, share_levels_with='global') for t in lowlevel_aug]))
