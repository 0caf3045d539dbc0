# Short CPU schedule for the synthetic benchmark: the K400 recipe (SGD,
# momentum 0.9, linear warm-up then half-period cosine to 0, weight decay
# 1e-6 on kernels only) by epochs, with the peak learning rate scaled
# linearly to the batch: 40.96 * 16 / 1024 = 0.64.
max_epochs = 20

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
test_cfg = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.64, momentum=0.9, weight_decay=1e-6,
        nesterov=False),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
auto_scale_lr = dict(enable=False, base_batch_size=16)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        eta_min=0.0,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True),
]
