# Plain MoCo (no pretext task) on the synthetic benchmark, on CPU in
# minutes: the clip-level contrast recipe of configs/cvrl/r3d18_synthetic.py
# (the CPU trunk, two 4-frame clips of a video at batch 32, Adam 1e-3 at a
# constant rate, 50 epochs = 700 steps, the kNN monitor) with the MoCo head
# of _base_/models/synthetic_ssl_heads.py in place of CVRL's MLP + InfoNCE.
#
#   python tools/train.py configs/cstp/moco_r3d18_synthetic.py
#   make demo METHOD=moco
#
# The shared MoCo head (_base_/models/synthetic_ssl_heads.py, also
# cstp-moco's) was chosen by measurement (docs/synthetic_benchmark.md,
# "Round 10"; seed 0, 432 val videos, appearance pretrained vs random):
# - no queue; the other keys of the batch are the negatives (MoCo v3's
#   in-batch keys, `batch_negatives=True`, `queue_len=0`). With a 256-key
#   queue MoCo failed with every momentum tried (+7.7 at 0.99, kNN flat or
#   falling at 0.9 and 0): in 700 steps at Adam 1e-3 the encoder moves so
#   fast that keys of even 1-4 steps ago are told apart from fresh ones
#   without reading the content (MoCo's own m=0 ablation failed for this
#   reason);
# - key momentum 0: the keys come from the current weights, without
#   gradient (the stop-gradient of MoCo kept). With in-batch keys, 0.99
#   still failed (+7.7, margin 8.3, kNN 1.4 -> 3.7); 0 passes (+16.2,
#   margin 8.6, kNN 1.4 -> 8.8): at this budget a lagging key encoder is
#   too far behind. The K400 / UCF101 recipes keep MoCo's queue and 0.99+.
# - temperature 0.1 (SimCLR's, as the synthetic SimCLR head) and 48-px crops
#   with the kNN monitor and features on the same size (a step costs ~0.65x
#   a 64-px one; SimCLR learns at 48 px as well, Round 9).
_base_ = [
    '../cvrl/r3d18_synthetic.py',
    '../_base_/models/synthetic_ssl_heads.py',
]

model = dict(
    _delete_=True,
    type='MoCo',
    backbone={{_base_.model.backbone}},
    head={{_base_.synthetic_moco_head}},
    data_preprocessor={{_base_.model.data_preprocessor}})

train_dataloader = dict(dataset=dict(views=_base_.views_48px))
demo_crop_size = _base_.crop_size_48px
custom_hooks = [_base_.knn_monitor_48px]
