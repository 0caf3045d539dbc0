# Plain MoCo (v2) baseline on the synthetic benchmark (see
# simclr_r3d18_synthetic.py): momentum 0.99 for the short run, a queue of
# 256 keys (fewer than the 432 training videos), temperature 0.2.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    _delete_=True,
    type='MoCo',
    backbone={{_base_.model.backbone}},
    head={{_base_.moco_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})
train_dataloader = dict(
    dataset=dict(
        clip_sampler=dict(temporal_overlaps=None, spatial_overlaps=None)))
