# Plain SimCLR baseline (no pretext task) on the synthetic benchmark, the
# CPU companion of configs/cstp/cstp_r3d18_synthetic.py: same backbone,
# projector, data (two independent clips, playback rates and rotations as
# augmentations) and schedule. NT-Xent temperature 0.1 (SimCLR's; the CSTP
# configs use the appendix's 1).
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    _delete_=True,
    type='SimCLR',
    backbone={{_base_.model.backbone}},
    head={{_base_.simclr_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
train_dataloader = dict(
    dataset=dict(
        clip_sampler=dict(temporal_overlaps=None, spatial_overlaps=None)))
