# Table 2, "random" temporal sampling: independent random source and target
# feature frames.
_base_ = ['../r3d50_k400_100k.py']

model = dict(temporal_sampling='random')
