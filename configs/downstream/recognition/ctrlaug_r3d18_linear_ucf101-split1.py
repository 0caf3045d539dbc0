# Controllable-augmentations protocol: linear probe of R3D-18 on UCF101
# split 1 (frozen encoder incl. BatchNorm statistics, linear classifier).
# The paper gives no hyper-parameters: dropout 0, no weight decay, lr 0.1
# with the fine-tuning schedule (our choice).
_base_ = ['./ctrlaug_r3d18_ft_ucf101-split1.py']

model = dict(
    type='LinearProbeRecognizer3D', cls_head=dict(dropout_ratio=0.0))
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=0.0))
