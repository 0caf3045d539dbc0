# Table 6, "GRU+MLP": GRU over the clips, its output concatenated with
# f'(v) -> MLP -> scalar, trained with Eq. 7.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(
    objectives=dict(
        td=dict(
            head=dict(
                _delete_=True,
                type='GRUMLPOrderHead',
                in_channels=_base_.feat_channels,
                hid_channels=512))))
