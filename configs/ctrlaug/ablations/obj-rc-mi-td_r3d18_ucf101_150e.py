# Table 7, row 6: L_rc + L_mi + L_td, the full model. Same as
# ../r3d18_ucf101_150e.py.
_base_ = ['../r3d18_ucf101_150e.py']
