# Table 4, context length 0: no context, vanilla region contrast (Sec. 3.1,
# Eq. 1-3): queries and targets go through the same 3-layer MLP head.
_base_ = ['../r3d50_k400_100k.py']

model = dict(
    head=dict(
        _delete_=True,
        type='RegionMLPHead',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        num_hidden_layers=3))
