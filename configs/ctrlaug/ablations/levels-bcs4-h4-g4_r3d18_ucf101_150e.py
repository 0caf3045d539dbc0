# Table 5, 4 / 4 / 4 levels of brightness-contrast-saturation / hue / blur:
# 4^3 * 4 * 4 = 1024 levels, 32 drawn per batch. Hue [0, 0.1] split in 4.
_base_ = ['../r3d18_ucf101_150e.py']

hue_levels = [(0.0, 0.025), (0.025, 0.05), (0.05, 0.075), (0.075, 0.1)]
lowlevel_aug = [
    dict(
        type='ClipColorJitter',
        brightness=_base_.bcs_levels,
        contrast=_base_.bcs_levels,
        saturation=_base_.bcs_levels,
        hue=hue_levels,
        prob=1.0),
    dict(
        type='ClipGaussianBlur',
        kernel_size=_base_.blur_kernels,
        sigma=_base_.blur_sigmas,
        prob=1.0),
]
train_dataloader = dict(
    dataset=dict(
        global_pipeline=_base_.global_spatial + lowlevel_aug,
        local_pipeline=_base_.local_spatial +
        [dict(t, share_levels_with='global') for t in lowlevel_aug]))
