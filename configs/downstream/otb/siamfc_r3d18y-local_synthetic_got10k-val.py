# As siamfc_r3d18y-local_synthetic.py, evaluated on the GOT-10k-style val
# split (absent frames excluded from the OPE scores).
_base_ = ['./siamfc_r3d18y-local_synthetic.py']
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='GOT10kDataset',
        data_root=_base_.data_root + '/got10k',
        split='val'))
val_dataloader = test_dataloader
test_evaluator = dict(title='synthetic GOT-10k val')
val_evaluator = test_evaluator
