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
# MoCo with the keys of the current batch as its negatives (MoCo v3's
# in-batch keys: `batch_negatives=True`, `queue_len=0` = no queue), key
# momentum 0 (the keys come from the current weights, without gradient)
# and temperature 0.1, as measured (docs/synthetic_benchmark.md, "Round
# 10"): with a 256-key queue or a lagging key encoder (0.99) MoCo failed
# in 700 Adam steps, because keys of even a few steps ago are told apart
# from fresh ones without reading the clip (details in
# configs/cstp/moco_r3d18_synthetic.py). The K400 / UCF101 recipes keep
# MoCo's queue and 0.99+. Used by the plain MoCo row and by cstp-moco
# (Round 12).
synthetic_moco_head = dict(
    type='MoCoHead',
    projector=synthetic_projector,
    queue_len=0,
    batch_negatives=True,
    feat_dim=synthetic_emb_dim,
    temperature=0.1,
    momentum=0.)
# bottleneck predictor 64 -> 16 -> 64 (SimSiam's 4x bottleneck)
synthetic_simsiam_head = dict(
    type='SimSiamHead',
    projector=synthetic_projector,
    predictor=dict(
        synthetic_projector, in_channels=synthetic_emb_dim, hid_channels=16))
