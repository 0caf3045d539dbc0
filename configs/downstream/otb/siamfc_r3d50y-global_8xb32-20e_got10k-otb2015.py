# As the local-branch config, on the global branch (res5_g) of the Y network.
_base_ = ['./siamfc_r3d50y-local_8xb32-20e_got10k-otb2015.py']
model = dict(
    backbone=dict(out_branch='global'), pretrained_branch='global')
