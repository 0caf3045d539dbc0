# Table 7, row 1: the standard contrastive loss L_nce only (instance
# InfoNCE between each pooled local clip and its pooled global video).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(
    objectives=dict(
        rc=None, mi=None, td=None,
        nce=dict(type='LocalGlobalNCEHead', temperature=0.1)))
