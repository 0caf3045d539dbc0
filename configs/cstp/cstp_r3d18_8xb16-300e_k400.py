# CSTP on Kinetics-400 with R3D-18 (Table 6 linear evaluation row "R3D-18,
# K400"): mmaction2's ResNet3d as torchvision's r3d_18 (3x7x7 stem, stride
# (1, 2, 2), no max-pool, 3x3x3 basic blocks, stages 2-4 strided in space
# and time; 512-d features at 16 x 112 x 112).
_base_ = ['./cstp_r2plus1d10_8xb16-300e_k400.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet3d',
        depth=18,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        with_pool1=False,
        with_pool2=False,
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        inflate=(1, 1, 1, 1),
        norm_cfg=dict(type='BN3d', requires_grad=True),
        zero_init_residual=False))
