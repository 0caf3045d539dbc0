# SiamFC on the synthetic benchmark, on CPU in minutes: the ConST-CL Y
# network on the CPU trunk (configs/_base_/models/constcl_r3d18_synthetic.py,
# pretrained by configs/constcl/r3d18_synthetic.py), local branch;
# exemplar / search crops 63 / 127 px (features 16x16 / 32x32, the exemplar's
# centre 8x8 correlated: response 25x25);
# fine-tuned on the GOT-10k-style train split, evaluated (OPE) on the
# OTB-style split. See docs/tracking.md for the measured numbers.
#
#   python tools/train.py \
#       configs/downstream/otb/siamfc_r3d18y-local_synthetic.py \
#       --cfg-options model.pretrained=work_dirs/r3d18_synthetic/epoch_6.pth
#   python tools/test.py \
#       configs/downstream/otb/siamfc_r3d18y-local_synthetic.py \
#       work_dirs/siamfc_r3d18y-local_synthetic/epoch_4.pth
_base_ = [
    '../../_base_/models/constcl_r3d18_synthetic.py',
    './_base_/siamfc_8xb32-20e_got10k-otb2015.py'
]

data_root = 'data/synthetic'
exemplar_size = 63
instance_size = 127

model = dict(
    _base_.tracker,
    _delete_=True,
    backbone=dict(_base_.model.backbone, out_branch='local'),
    exemplar_size=exemplar_size,
    instance_size=instance_size,
    # the CPU trunk (synthetic_trunk.py) has no stem pool: stem and res3
    # strides 2 x 2 with res4 / res5 at stride 1 (dilated) give stride 4
    # (tests/test_models/test_trackers/test_siamfc.py measures it)
    total_stride=4,
    # centre 8x8 of the 16x16 exemplar features (response 25x25): without it
    # the zero-padded border cells bias the response to the map's corners
    exemplar_feat_crop=8)

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        dataset=dict(data_root=data_root + '/got10k'),
        pairs_per_video=8,
        max_gap=40,
        exemplar_size=exemplar_size,
        instance_size=instance_size,
        max_shift=12))
test_dataloader = dict(
    num_workers=0,
    dataset=dict(
        data_root=data_root + '/otb',
        ann_file=data_root + '/otb/annotations/otb_infos.txt'))
val_dataloader = test_dataloader
test_evaluator = dict(title='synthetic OTB')
val_evaluator = test_evaluator

lr = 0.05
min_lr = 5e-4  # geometric decay lr -> min_lr, as SiamFC's schedule
max_epochs = 4
# no validation during the short fine-tune (evaluate with tools/test.py)
train_cfg = dict(
    max_epochs=max_epochs, val_begin=max_epochs + 1,
    val_interval=max_epochs + 1)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='ExponentialLR', gamma=(min_lr / lr)**(1 / max_epochs),
         by_epoch=True)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
randomness = dict(seed=0)
