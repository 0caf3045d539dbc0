# As constcl-local_r3d50y_actr_32x2_ava22.py with a CVRL backbone (the plain
# R3D-50, a single res5 `layer4`): `load_from` a CVRL checkpoint.
_base_ = './constcl-local_r3d50y_actr_32x2_ava22.py'

model = dict(backbone=dict(loss_endpoints='C5', out_branch='global'))
