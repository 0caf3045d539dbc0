# Table 7, row 3: L_rc + L_mi.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(objectives=dict(td=None))
