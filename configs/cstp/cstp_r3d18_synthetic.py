# CSTP (BYOL + playback rate + rotation + STOR) on the synthetic benchmark,
# on CPU in minutes: the CPU trunk of _base_/models/synthetic_trunk.py (one
# BasicBlock per stage, base width 32, 256-d features; 1x3x3 stem, no stem
# pool) as mmaction2's ResNet3d, with CSTP's own temporal design (that of
# torchvision's r3d_18, cstp_r3d18_8xb16-300e_k400.py: stem and res2 at the
# full frame rate, no temporal pool, res3-res5 strided by 2 in time): two
# 8-frame 64 x 64 clips end in 1 x 4 x 4 feature maps; batch 16, 3 epochs.
#
#   python tools/train.py configs/cstp/cstp_r3d18_synthetic.py
_base_ = [
    '../_base_/models/cstp_r2plus1d10.py',
    '../_base_/models/synthetic_trunk.py',
    '../_base_/models/synthetic_ssl_heads.py',
    '../_base_/datasets/cstp_synthetic.py',
    '../_base_/schedules/cstp_sgd_cosine_300e.py',
    '../_base_/default_runtime.py',
]

feat_dim = _base_.synthetic_feat_channels
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet3d',
        pretrained=None,
        pretrained2d=False,
        conv1_stride_t=1,
        with_pool2=False,
        temporal_strides=(1, 2, 2, 2),
        inflate=(1, 1, 1, 1),
        **_base_.synthetic_trunk),
    # BYOL, as the plain byol_r3d18_synthetic.py (the frameworks of the
    # synthetic rows: _base_/models/synthetic_ssl_heads.py), so the rows
    # differ only by the pretexts
    contrastive_head=dict(_delete_=True, **_base_.synthetic_byol_head),
    pretext_heads=dict(
        pcls=dict(in_channels=feat_dim, hid_channels=feat_dim,
                  num_classes=3),
        rcls=dict(in_channels=feat_dim, hid_channels=feat_dim),
        ocls=dict(in_channels=feat_dim, hid_channels=feat_dim)))

# the CSTP schedule (SGD, cosine to 1e-5, weight decay 5e-4) in 3 epochs
max_epochs = 3
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
auto_scale_lr = dict(base_batch_size=16)

default_hooks = dict(
    logger=dict(interval=9),
    checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
