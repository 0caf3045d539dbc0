# Table 7, row 5: L_nce + L_mi + L_td (instance contrast instead of the soft
# region contrast).
_base_ = ['../r3d18_ucf101_150e.py']

model = dict(
    objectives=dict(
        rc=None, nce=dict(type='LocalGlobalNCEHead', temperature=0.1)))
