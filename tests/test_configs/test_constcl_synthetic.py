"""20 ConST-CL iterations on the synthetic benchmark reduce the loss."""
import copy
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.registry import DATASETS, MODELS
from mmvssl.utils import register_all_modules

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def test_twenty_iterations_reduce_the_loss(tmp_path):
    data = tmp_path / 'synthetic'
    subprocess.run([sys.executable, 'tools/data/synthetic/generate.py',
                    '--out', str(data), '--preset', 'tiny', '--seed', '0',
                    '--no-progress'], cwd=ROOT, check=True)
    os.environ['MMVSSL_SYNTHETIC_ROOT'] = str(data)
    try:
        register_all_modules(init_default_scope=False)
        cfg = Config.fromfile(
            osp.join(ROOT, 'configs/constcl/r3d18_synthetic.py'))
    finally:
        del os.environ['MMVSSL_SYNTHETIC_ROOT']
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    assert ds_cfg.ann_file.startswith(str(data))
    dataset = DATASETS.build(ds_cfg)
    torch.manual_seed(0)
    np.random.seed(0)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.base_channels = 8
    model_cfg.neck.in_channels = 64
    model_cfg.neck.hid_channels = 64
    model_cfg.head.in_channels = 64
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(model_cfg)
    model.init_weights()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05,
                                         momentum=0.9))
    losses = []
    model.train()
    for _ in range(20):
        log = model.train_step(copy.copy(batch), optim)
        losses.append(float(log['loss']))
    assert all(np.isfinite(losses))
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < first, losses
