# CSTP with MoCo (v2: MLP projector, momentum 0.999, shuffle BN under DDP)
# as the contrastive framework (Table 3, MoCo rows). Temperature 1 as the
# appendix states (MoCo itself uses 0.07-0.2). The queue holds 4096 keys:
# fewer than UCF101's 9.5k training videos, so a video's own earlier keys
# are rarely among its negatives (65536 on Kinetics-400).
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

model = dict(
    contrastive_head=dict(
        _delete_=True,
        type='MoCoHead',
        projector={{_base_.projector}},
        queue_len=4096,
        feat_dim=128,
        temperature=1.0,
        momentum=0.999,
        symmetric=True,
        shuffle_bn=True))
