# Table 6, "VCOP": clip order prediction from the local clips alone (Xu et
# al. 2019: pairwise features, K! = 24-way classification), no global
# video feature and no mutual-information objective.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(
    objectives=dict(
        td=dict(
            _delete_=True,
            type='ClipOrderHead',
            head=dict(
                type='VCOPHead',
                in_channels=_base_.feat_channels,
                num_clips=_base_.num_clips,
                hid_channels=512))))
