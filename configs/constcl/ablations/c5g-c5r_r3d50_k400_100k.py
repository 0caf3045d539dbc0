# Table 3, endpoints C5_g + C5_r (Fig. 3c, the Y network): the default of
# r3d50_k400_100k.py (kept as a file so that every row has a config).
_base_ = ['../r3d50_k400_100k.py']
