# The context head as the paper's text reads (Table 7), instead of the
# released code's head of r3d50_k400_100k.py: one 2048 -> 128 projection
# each for queries, keys and values, learned (t, y, x) position embeddings
# added to all three, 3 post-norm decoder layers of 3-head cross-attention
# (128 per head) + FFN 128 with ReLU, then 128 -> 2048. 1.75 M parameters
# (the released head: 6.93 M), so the model has 66.5 M instead of Table 4's
# 71.7 M; see docs/constcl.md.
_base_ = ['../r3d50_k400_100k.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ConSTCLHead',
        in_channels=2048,
        embed_dims=128,
        num_heads=3,
        head_dims=128,
        num_layers=3,
        ffn_channels=128,
        context_length=5))
