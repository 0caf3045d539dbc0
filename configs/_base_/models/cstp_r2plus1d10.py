# CSTP (Zhang et al., AAAI 2022) with BYOL on R(2+1)D-10, the paper's main
# setting: online backbone -> global average pool (512-d) shared by
#   - BYOLHead: projector 512-4096-128 (FC-BN-ReLU-FC, "n x 4096 and
#     4096 x 128"), predictor 128-4096-128, target momentum 0.998;
#   - PlaybackRateHead (rates 1, 2, 4, 8), RotationHead (0/90/180/270):
#     FC-BN-ReLU-FC each, on both clips, losses summed over the clips;
#   - STORHead: FC-BN-ReLU-FC on cat(f1, f2) for 5 spatial and 5 temporal
#     overlap classes, l_s = l_t = 1 (heads as the released code, below).
# L = 0.1 L_ctr + L_pcls + L_rcls + L_ocls (appendix). Set a head to None to
# switch its task off (see configs/cstp/ablation/).
feat_dim = 512
# projector shared by the four frameworks (configs/cstp/cstp-{simclr,moco,
# simsiam}_*.py swap the head and reuse it)
projector = dict(
    type='MLPProjectionNeck',
    in_channels=feat_dim,
    hid_channels=4096,
    out_channels=128,
    num_hidden_layers=1,
    normalize_inputs=False)
predictor = dict(
    type='MLPProjectionNeck',
    in_channels=128,
    hid_channels=4096,
    out_channels=128,
    num_hidden_layers=1,
    normalize_inputs=False)
model = dict(
    type='CSTP',
    backbone=dict(type='ResNet2Plus1dSSL', depth=18,
                  stage_blocks=(1, 1, 1, 1)),
    contrastive_head=dict(
        type='BYOLHead',
        projector=projector,
        predictor=predictor,
        momentum=0.998),
    # Pretext heads as in the released code (the paper is silent; facts
    # from models/pace/r21d_byol.py and main_byol.py): for R(2+1)D each head
    # is FC-BN-ReLU-FC, playback / rotation 512-512-n on each clip (the
    # official layers have a 5th, never-used output; 4 classes here), the
    # STOR spatial and temporal classifiers 1024-1024-5 on cat(f1, f2); the
    # playback and rotation losses are summed over the two clips
    # (CE(clip 1) + CE(clip 2), view_reduction='sum').
    pretext_heads=dict(
        pcls=dict(type='PlaybackRateHead', in_channels=feat_dim,
                  num_classes=4, hid_channels=feat_dim,
                  view_reduction='sum'),
        rcls=dict(type='RotationHead', in_channels=feat_dim, num_classes=4,
                  hid_channels=feat_dim, view_reduction='sum'),
        ocls=dict(
            type='STORHead',
            in_channels=feat_dim,
            hid_channels=2 * feat_dim,
            num_spatial_classes=5,
            num_temporal_classes=5,
            spatial_weight=1.,
            temporal_weight=1.)),
    loss_weights=dict(ctr=0.1, pcls=1., rcls=1., ocls=1.),
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]))
