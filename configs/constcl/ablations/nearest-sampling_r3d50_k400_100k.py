# Table 2, "nearest" temporal sampling: the temporally closest frame pair of
# the two clips (drawn inside their overlap when they overlap), from the
# timestamps in the views' geometry records.
_base_ = ['../r3d50_k400_100k.py']

model = dict(temporal_sampling='nearest')
