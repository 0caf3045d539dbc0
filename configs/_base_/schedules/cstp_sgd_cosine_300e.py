# CSTP pretraining schedule (appendix): momentum SGD, lr 0.03 annealed to
# 1e-5 by a cosine over 300 epochs, weight decay 5e-4 (the value the paper
# gives for fine-tuning, "same as that in pretraining"). The learning rate is
# for the paper's batch (60 on UCF101, 128 on Kinetics-400); the paper does
# not scale it between the two.
max_epochs = 300

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
test_cfg = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=5e-4))

param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=60)
