# Plain BYOL baseline on the synthetic benchmark (see
# simclr_r3d18_synthetic.py), with BYOL's cosine increase of the target
# momentum from 0.99 to 1 (MomentumUpdateHook).
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    _delete_=True,
    type='BYOL',
    backbone={{_base_.model.backbone}},
    head=dict(
        projector={{_base_.model.contrastive_head.projector}},
        predictor={{_base_.model.contrastive_head.predictor}},
        momentum=0.99),
    data_preprocessor={{_base_.model.data_preprocessor}})
train_dataloader = dict(
    dataset=dict(
        clip_sampler=dict(temporal_overlaps=None, spatial_overlaps=None)))
custom_hooks = [
    {{_base_.knn_monitor}},
    dict(type='MomentumUpdateHook', end_momentum=1.),
]
