# Plain SimSiam baseline on the synthetic benchmark (see
# simclr_r3d18_synthetic.py): bottleneck predictor 64 -> 16 -> 64.
_base_ = ['./cstp_r3d18_synthetic.py']

model = dict(
    _delete_=True,
    type='SimSiam',
    backbone={{_base_.model.backbone}},
    head=dict(
        projector={{_base_.model.contrastive_head.projector}},
        predictor=dict(
            type='MLPProjectionNeck',
            in_channels={{_base_.emb_dim}},
            hid_channels=16,
            out_channels={{_base_.emb_dim}},
            num_hidden_layers=1,
            normalize_inputs=False)),
    data_preprocessor={{_base_.model.data_preprocessor}})
train_dataloader = dict(
    dataset=dict(
        clip_sampler=dict(temporal_overlaps=None, spatial_overlaps=None)))
