# Table 7, row 4: L_rc + L_td.
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(objectives=dict(mi=None))
