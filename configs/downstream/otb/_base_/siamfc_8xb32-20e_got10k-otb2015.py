# SiamFC protocol of ConST-CL (Sec. 4, App. C.3), everything but the
# backbone: res4 / res5 with spatial stride 1 and dilation 2 / 4 (weights
# unchanged), 2n + 1 = 5 frames per input, the centre time slice of res5
# feeds the correlation; fine-tuned on GOT-10k train (SGD, momentum 0.9,
# batch 256 = 8 GPUs x 32, lr 0.1, weight decay 1e-4, 20 epochs) and
# evaluated on OTB2015 (OPE). A leaf config puts a pretrained backbone of
# configs/_base_/models/ into `tracker`:
#   model = dict(_base_.tracker, _delete_=True,
#                backbone=dict(_base_.model.backbone, out_branch='local'))
_base_ = ['../../../_base_/default_runtime.py']

custom_imports = dict(
    imports=['mmvssl', 'mmvssl.models.trackers', 'mmvssl.datasets.sot',
             'mmvssl.evaluation.metrics.ope_metric'],
    allow_failed_imports=False)

got10k_root = 'data/got10k'
otb_root = 'data/otb100'
exemplar_size = 127
instance_size = 255
num_neighbors = 2

tracker = dict(
    type='SiamFC',
    # the pre-training checkpoint: `--cfg-options load_from=CKPT` (or
    # `model.pretrained=CKPT`, loaded by SiamFC itself, as strictly)
    pretrained=None,
    pretrained_branch='local',
    dilations=dict(layer3=2, layer4=4, layer4_r=4),
    total_stride=8,
    num_neighbors=num_neighbors,
    exemplar_size=exemplar_size,
    instance_size=instance_size,
    context_amount=0.5,
    scale_num=3,
    scale_step=1.0375,
    scale_penalty=0.9745,
    scale_lr=0.59,
    window_influence=0.176,
    response_up=16,
    response_scale=1e-3,
    adjust='bias',
    pos_radius=16)

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SOTPairDataset',
        dataset=dict(
            type='GOT10kDataset', data_root=got10k_root, split='train',
            test_mode=False),
        pairs_per_video=1,
        max_gap=100,
        num_neighbors=num_neighbors,
        exemplar_size=exemplar_size,
        instance_size=instance_size,
        max_shift=8,
        max_stretch=0.05))

test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='sot_video_collate'),
    dataset=dict(type='OTB2015Dataset', data_root=otb_root))
val_dataloader = test_dataloader
test_evaluator = dict(type='OPEMetric', title='OTB2015')
val_evaluator = test_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=21)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
# SiamFC's schedule: the learning rate decays geometrically (log-linearly)
# from 0.1 to 1e-5 over the 20 epochs: gamma = (1e-5 / 0.1) ** (1 / 20)
param_scheduler = [
    dict(type='ExponentialLR', gamma=(1e-5 / 0.1)**(1 / 20), by_epoch=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
default_hooks = dict(
    checkpoint=dict(
        interval=5, max_keep_ckpts=2, save_best='ope/success', rule='greater'),
    pretrained=dict(type='PretrainedBackboneHook'))
