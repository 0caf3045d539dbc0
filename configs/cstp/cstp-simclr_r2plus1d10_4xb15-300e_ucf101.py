# CSTP with SimCLR as the contrastive framework (Table 3, SimCLR rows).
# NT-Xent temperature 1 as the appendix states ("the temperature alpha in
# InfoNCE adopts 1"); SimCLR itself uses 0.1-0.5, so try
# `--cfg-options model.contrastive_head.temperature=0.1` as well.
_base_ = ['./cstp_r2plus1d10_4xb15-300e_ucf101.py']

model = dict(
    contrastive_head=dict(
        _delete_=True,
        type='SimCLRHead',
        projector={{_base_.projector}},
        temperature=1.0))
