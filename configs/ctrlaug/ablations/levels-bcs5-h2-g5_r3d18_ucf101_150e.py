# Table 5, 5 / 2 / 5 levels of brightness-contrast-saturation / hue / blur:
# 5^3 * 2 * 5 = 1250 levels, 32 drawn per batch. B, C, S split [0, 0.4] in
# 5; blur: 5 sigma levels splitting [0.1, 2.0] evenly, kernel fixed to 11
# (5 is prime: it cannot be kernel x sigma levels).
_base_ = ['../r3d18_ucf101_150e.py']

bcs_levels = [(0.0, 0.08), (0.08, 0.16), (0.16, 0.24), (0.24, 0.32),
              (0.32, 0.4)]
blur_sigmas = [(0.1, 0.48), (0.48, 0.86), (0.86, 1.24), (1.24, 1.62),
               (1.62, 2.0)]
lowlevel_aug = [
    dict(
        type='ClipColorJitter',
        brightness=bcs_levels,
        contrast=bcs_levels,
        saturation=bcs_levels,
        hue=_base_.hue_levels,
        prob=1.0),
    dict(type='ClipGaussianBlur', kernel_size=11, sigma=blur_sigmas,
         prob=1.0),
]
train_dataloader = dict(
    dataset=dict(
        global_pipeline=_base_.global_spatial + lowlevel_aug,
        local_pipeline=_base_.local_spatial +
        [dict(t, share_levels_with='global') for t in lowlevel_aug]))
