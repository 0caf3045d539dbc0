# Table 6, "None": no temporal constraint (L_rc + L_mi).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(objectives=dict(td=None))
