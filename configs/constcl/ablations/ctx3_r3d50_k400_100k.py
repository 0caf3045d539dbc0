# Table 4, context length 3: the transformer head reads 3 feature
# frame(s) of the other view around its sampled frame.
_base_ = ['../r3d50_k400_100k.py']

model = dict(head=dict(context_length=3))
