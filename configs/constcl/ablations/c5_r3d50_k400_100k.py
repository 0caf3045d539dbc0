# Table 3, endpoint C5 (Fig. 3a): one res5; the global and the region loss
# both on C5.
_base_ = ['../r3d50_k400_100k.py']

model = dict(backbone=dict(loss_endpoints='C5'))
