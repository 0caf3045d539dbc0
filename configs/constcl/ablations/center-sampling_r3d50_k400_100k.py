# Table 2, "center" temporal sampling (the centre feature frame of both
# views): the default of r3d50_k400_100k.py.
_base_ = ['../r3d50_k400_100k.py']
