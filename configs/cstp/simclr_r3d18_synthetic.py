# Plain SimCLR (no pretext task) on the synthetic benchmark, on CPU in
# minutes: the clip-level contrast recipe of configs/cvrl/r3d18_synthetic.py
# (the CPU trunk, two 4-frame 64^2 clips of a video at batch 32, Adam 1e-3
# at a constant rate, 50 epochs, the kNN monitor) with the SimCLR head of
# _base_/models/synthetic_ssl_heads.py in place of CVRL's MLP + InfoNCE, so
# the four plain frameworks and CVRL differ only by their head.
#
#   python tools/train.py configs/cstp/simclr_r3d18_synthetic.py
#   make demo METHOD=simclr
_base_ = [
    '../cvrl/r3d18_synthetic.py',
    '../_base_/models/synthetic_ssl_heads.py',
]

model = dict(
    _delete_=True,
    type='SimCLR',
    backbone={{_base_.model.backbone}},
    head={{_base_.synthetic_simclr_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
