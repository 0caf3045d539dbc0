# CPU schedule of the synthetic pretraining recipes (synthetic_ssl.py):
# Adam 1e-3 at a constant rate, 40 epochs (560 steps of batch 32 on the
# `default` preset, ~8-10 min on 2 cores). Chosen by measurement
# (docs/synthetic_benchmark.md, "Round 3"): the K400 recipe's SGD + cosine
# at the linearly scaled peak lr 0.64 never left InfoNCE's chance plateau
# in the CPU budget, and a supervised run of the same backbone with it did
# not fit its own train labels.
max_epochs = 40

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
test_cfg = None

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-6))
auto_scale_lr = dict(enable=False, base_batch_size=32)

param_scheduler = [
    dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0,
         end=max_epochs)
]
