# The contrastive frameworks of the synthetic rows, declared once: the plain
# baselines (configs/cstp/{simclr,moco,byol,simsiam}_r3d18_synthetic.py) use
# them as their head, the CSTP rows (configs/cstp/cstp*_r3d18_synthetic.py)
# as their contrastive_head. Variables only (no `model`), so a config can
# inherit this file next to a complete recipe.
#
# The projector is the CSTP one (_base_/models/cstp_r2plus1d10.py: one
# hidden layer, no input normalisation) at the synthetic scale: 256-d input
# (synthetic_feat_channels of synthetic_trunk.py, checked by
# tests/test_configs/test_cstp_configs.py), width 512, 64-d embeddings.
synthetic_emb_dim = 64
synthetic_projector = dict(
    type='MLPProjectionNeck',
    in_channels=256,
    hid_channels=512,
    out_channels=synthetic_emb_dim,
    num_hidden_layers=1,
    normalize_inputs=False)
# BYOL / CSTP: predictor 64 -> 512 -> 64; the target momentum of the short
# runs (BYOL's 0.996 is for hundreds of epochs)
synthetic_byol_head = dict(
    type='BYOLHead',
    projector=synthetic_projector,
    predictor=dict(
        synthetic_projector, in_channels=synthetic_emb_dim,
        hid_channels=512),
    momentum=0.99)
# NT-Xent temperature 0.1 (SimCLR's; the CSTP appendix uses 1)
synthetic_simclr_head = dict(
    type='SimCLRHead',
    projector=synthetic_projector,
    temperature=0.1)
# a queue of 256 keys (fewer than the 432 training videos, so no key of a
# video's own earlier clips dominates), momentum 0.99 for the short run,
# temperature 0.2 (MoCo v2)
synthetic_moco_head = dict(
    type='MoCoHead',
    projector=synthetic_projector,
    queue_len=256,
    feat_dim=synthetic_emb_dim,
    temperature=0.2,
    momentum=0.99)
# bottleneck predictor 64 -> 16 -> 64 (SimSiam's 4x bottleneck)
synthetic_simsiam_head = dict(
    type='SimSiamHead',
    projector=synthetic_projector,
    predictor=dict(
        synthetic_projector, in_channels=synthetic_emb_dim, hid_channels=16))
