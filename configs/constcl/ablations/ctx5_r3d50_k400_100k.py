# Table 4, context length 5: the default of r3d50_k400_100k.py (kept as a
# file so that every row of the table has a config).
_base_ = ['../r3d50_k400_100k.py']
