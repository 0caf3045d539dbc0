# Table 5, random boxes (16 per frame, size [0.1, 0.5], aspect [0.5, 2]):
# the default of r3d50_k400_100k.py.
_base_ = ['../r3d50_k400_100k.py']
