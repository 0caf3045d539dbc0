# Views of controllable augmentations (supplement Sec. 1), shared by the
# UCF101 / Kinetics-400 / synthetic data configs.
#
# Temporal (LocalGlobalVideoDataset -> LocalGlobalSampler): a global video of
# 16 frames spread uniformly over the whole video and K = 4 local clips of
# 16 consecutive frames whose centre frames lie in [0, .25], [.25, .5],
# [.5, .75], [.75, 1] of the video.
# Spatial: weak crop of the global video (area ratio [0.8, 1]), local crops
# with area ratio [0.4, 0.8] *inside the cropped global view*
# (ref_view='global'), every view resized to 112^2 and flipped with p = 0.5.
# Low-level (tau_l): colour jitter and Gaussian blur with intensity levels,
# brightness / contrast / saturation 4 levels each, hue 2, blur kernel
# {7, 11} x sigma {[0.1, 0.5], [0.5, 2.0]} = 4: 4 * 4 * 4 * 2 * 4 = 512
# levels. Both are applied with probability 1 (every sample has a level; the
# paper's 512 levels have no "not applied" one). All views of a video share
# its level (forced by LevelGroupedBatchSampler, 32 levels per batch;
# share_levels_with keeps them shared when the level is not forced).
input_size = 112
num_clips = 4
num_frames = 16
clip_len = 16
frame_interval = 1

bcs_levels = [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4)]
hue_levels = [(0.0, 0.05), (0.05, 0.1)]
blur_kernels = [7, 11]
blur_sigmas = [(0.1, 0.5), (0.5, 2.0)]

lowlevel_aug = [
    dict(
        type='ClipColorJitter',
        brightness=bcs_levels,
        contrast=bcs_levels,
        saturation=bcs_levels,
        hue=hue_levels,
        prob=1.0),
    dict(
        type='ClipGaussianBlur',
        kernel_size=blur_kernels,
        sigma=blur_sigmas,
        prob=1.0),
]
global_spatial = [
    dict(type='ClipRandomResizedCrop', scale=input_size,
         area_range=(0.8, 1.0)),
    dict(type='ClipFlip', flip_ratio=0.5),
]
local_spatial = [
    dict(type='ClipRandomResizedCrop', scale=input_size,
         area_range=(0.4, 0.8), ref_view='global'),
    dict(type='ClipFlip', flip_ratio=0.5),
]
global_pipeline = global_spatial + lowlevel_aug
local_pipeline = local_spatial + [
    dict(t, share_levels_with='global') for t in lowlevel_aug
]
