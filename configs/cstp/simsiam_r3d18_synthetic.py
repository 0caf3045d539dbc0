# Plain SimSiam baseline on the synthetic benchmark (see
# simclr_r3d18_synthetic.py): bottleneck predictor 64 -> 16 -> 64.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    _delete_=True,
    type='SimSiam',
    backbone={{_base_.model.backbone}},
    head={{_base_.simsiam_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
train_dataloader = dict(
    dataset=dict(
        clip_sampler=dict(temporal_overlaps=None, spatial_overlaps=None)))
