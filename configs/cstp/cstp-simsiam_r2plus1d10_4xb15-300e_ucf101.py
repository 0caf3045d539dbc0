# CSTP with SimSiam as the contrastive framework (Table 3, SimSiam rows):
# no momentum encoder, stop-gradient on the other view's projection. The
# predictor is SimSiam's bottleneck (128 -> 512 -> 128).
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

model = dict(
    contrastive_head=dict(
        _delete_=True,
        type='SimSiamHead',
        projector={{_base_.projector}},
        predictor=dict(
            type='MLPProjectionNeck',
            in_channels=128,
            hid_channels=512,
            out_channels=128,
            num_hidden_layers=1,
            normalize_inputs=False)))
