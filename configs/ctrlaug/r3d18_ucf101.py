# Controllable augmentations pretraining on UCF101 split 1 (Sec. 4.2,
# Table 1 "Ours R3D-18 UCF-101"): R3D-18, 16x112^2 inputs, K = 4 local clips
# + 1 global video per video, batch 128 (8 GPUs x 16), Adam lr 1e-3,
# weight decay 1e-5, 200 epochs, lr / 10 at epoch 150.
#
#   tools/dist_train.sh configs/ctrlaug/r3d18_ucf101.py 8
_base_ = [
    '../_base_/models/ctrlaug_r3d18.py',
    '../_base_/datasets/ctrlaug_ucf101.py',
    '../_base_/schedules/ctrlaug_adam_200e.py',
]  # the schedule brings the runtime
