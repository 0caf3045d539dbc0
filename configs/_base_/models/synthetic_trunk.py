# The CPU trunk of every recipe on the synthetic benchmark (declared once;
# each method's synthetic config merges it into its own backbone type).
#
# A shallow, wide R3D: one BasicBlock per stage, base width 32 (256-d res5),
# a 1x3x3 stem with spatial stride 2 and no stem pool, so a 64 x 64 crop
# ends in a 4 x 4 map (3.4 M parameters, ~0.6 s forward + backward per 64
# clips on 2 cores). Chosen by measurement (tools/analysis/learnability.py,
# docs/synthetic_benchmark.md "Round 3"): the R3D-18 of width 16 with the
# 7x7 stride-2 stem and stem pool of wave 1 (a 2 x 2 map at 64 px) stays at
# chance on the appearance probe in every CPU budget we tried, this trunk
# does not.
#
# zero_init_residual=False: mmaction2's default zero-initialises the last
# BN of every residual block (good for deep nets and long schedules); on
# this one-block-per-stage trunk it delays the escape from the InfoNCE
# plateau past the CPU budget (control with and without it: appearance
# 33.3 vs 20.8 at 400 steps).
synthetic_trunk = dict(
    depth=18,
    stage_blocks=(1, 1, 1, 1),
    base_channels=32,
    conv1_kernel=(1, 3, 3),
    with_pool1=False,
    spatial_strides=(1, 2, 2, 2),
    zero_init_residual=False)
synthetic_feat_channels = 256  # 32 * 8
