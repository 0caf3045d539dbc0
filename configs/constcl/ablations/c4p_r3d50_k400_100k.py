# Table 3, endpoint C4_p (Fig. 3b): one res5 for the global loss; the region
# loss on res4 (1024 channels) average-pooled 2x2 (14x14 -> 7x7).
_base_ = ['../r3d50_k400_100k.py']

model = dict(
    backbone=dict(loss_endpoints='C4_p'), head=dict(in_channels=1024))
