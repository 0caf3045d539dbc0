# Table 6, "MLP": concat(f'(v), f(v_1), ..., f(v_K)) -> MLP -> scalar,
# trained with Eq. 7.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(
    objectives=dict(
        td=dict(
            head=dict(
                _delete_=True,
                type='MLPOrderHead',
                in_channels=_base_.feat_channels,
                num_clips=_base_.num_clips,
                hid_channels=512))))
