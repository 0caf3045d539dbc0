# Controllable augmentations pretraining on Kinetics-400 (Sec. 4.2, Table 1
# "Ours R3D-18 Kinetics-400"): as configs/ctrlaug/r3d18_ucf101.py with 100
# epochs and lr / 10 at epoch 70.
#
#   tools/dist_train.sh configs/ctrlaug/r3d18_k400.py 8
_base_ = [
    '../_base_/models/ctrlaug_r3d18.py',
    '../_base_/datasets/ctrlaug_k400.py',
    '../_base_/schedules/ctrlaug_adam_100e.py',
]  # the schedule brings the runtime
