# Table 7, row 2: soft region contrast L_rc only.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(objectives=dict(mi=None, td=None))
