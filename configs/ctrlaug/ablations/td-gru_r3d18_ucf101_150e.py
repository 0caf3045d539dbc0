# Table 6, "GRU" (the default): cosine similarity between the GRU output
# over the clips and f'(v). Same as ../r3d18_ucf101_150e.py.
_base_ = ['../r3d18_ucf101_150e.py']
