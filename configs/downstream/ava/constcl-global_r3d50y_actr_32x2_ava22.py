# As constcl-local_r3d50y_actr_32x2_ava22.py with the global branch (res5_g,
# C5_g) of the ConST-CL Y-network.
_base_ = './constcl-local_r3d50y_actr_32x2_ava22.py'

model = dict(backbone=dict(out_branch='global'))
