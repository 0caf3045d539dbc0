"""End to end on the tiny synthetic AVA split: a short training and the
frame-mAP@0.5 evaluation by mmaction2's AVAMetric (the CPU config
configs/downstream/ava/constcl-local_r3d18y_actr_synthetic.py)."""
import math
import os.path as osp
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'downstream', 'ava',
                  'constcl-local_r3d18y_actr_synthetic.py')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from mmvssl.datasets.synthetic import generate
    out = str(tmp_path_factory.mktemp('synthetic'))
    generate(out, 'tiny', seed=0, workers=0, progress=False)
    sys.path.insert(0, osp.join(ROOT, 'tools', 'data', 'ava_kinetics'))
    import build_annotations as ba
    ann = osp.join(out, 'ava', 'annotations')
    for split in ('train', 'val'):
        ba.main(['gt-proposals', osp.join(ann, f'ava_{split}.csv'),
                 osp.join(ann, f'ava_gt_proposals_{split}.pkl')])
    return out


def _config(root, work_dir):
    from mmengine.config import Config
    cfg = Config.fromfile(CONFIG)
    ava = osp.join(root, 'ava')
    ann = osp.join(ava, 'annotations')
    num_classes = 6  # tiny: 2 motions + 3 appearances + 1
    cfg.model.roi_head.bbox_head.num_classes = num_classes
    cfg.model.roi_head.bbox_head.topk = (1, 3)
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        ds.update(
            ann_file=osp.join(ann, f'ava_{split}.csv'),
            exclude_file=osp.join(ann, f'ava_{split}_excluded_timestamps.csv'),
            label_file=osp.join(ann, 'label_map.txt'),
            proposal_file=osp.join(ann, f'ava_gt_proposals_{split}.pkl'
                                   if split == 'train' else
                                   f'ava_dense_proposals_{split}.pkl'),
            data_prefix=dict(img=osp.join(ava, 'rawframes')),
            num_classes=num_classes)
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].update(
            ann_file=osp.join(ann, 'ava_val.csv'),
            exclude_file=osp.join(ann, 'ava_val_excluded_timestamps.csv'),
            label_file=osp.join(ann, 'label_map.txt'),
            num_classes=num_classes)
    cfg.train_dataloader.batch_size = 3
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 100  # evaluated once, below
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0,
                                by_epoch=False)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 100
    cfg.work_dir = work_dir
    return cfg


def test_train_and_evaluate(tiny, tmp_path, monkeypatch):
    # mmaction2's AVAMetric writes its result CSV into the working dir
    monkeypatch.chdir(tmp_path)
    from mmengine.runner import Runner

    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = _config(tiny, str(tmp_path / 'work'))
    runner = Runner.from_cfg(cfg)
    ann = osp.join(tiny, 'ava', 'annotations')
    with open(osp.join(ann, 'ava_train.csv')) as f:
        keyframes = {tuple(ln.split(',')[:2]) for ln in f if ln.strip()}
    with open(osp.join(ann, 'ava_train_excluded_timestamps.csv')) as f:
        excluded = {tuple(ln.strip().split(',')) for ln in f if ln.strip()}
    # AVADataset drops the excluded keyframes (occluded actors)
    assert len(runner.train_dataloader.dataset) == len(keyframes - excluded)
    runner.train()
    metrics = runner.val_loop.run()
    assert 'mAP/overall' in metrics
    assert 0.0 <= metrics['mAP/overall'] <= 1.0
    assert not math.isnan(metrics['mAP/overall'])
