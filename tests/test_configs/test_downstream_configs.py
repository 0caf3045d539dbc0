"""Every config in configs/downstream loads, and its model, evaluator,
pipelines, hooks, optimizer and schedulers build (with a narrow backbone)."""
import copy
import glob
import os.path as osp

import pytest
import torch

import mmvssl  # noqa: F401

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(ROOT, 'configs', 'downstream', '**', '*.py'),
        recursive=True) if '_base_' not in p)
RECOGNITION = [p for p in CONFIGS if '/recognition/' in p]
RETRIEVAL = [p for p in CONFIGS if '/retrieval/' in p]


def _id(path):
    return osp.relpath(path, osp.join(ROOT, 'configs', 'downstream'))


@pytest.fixture(scope='module', autouse=True)
def scope():
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)


def _load(path):
    from mmengine.config import Config
    return Config.fromfile(path)


def _narrow(model_cfg):
    """Same architecture, 4 stem channels (fast to build) for the ResNets;
    C3D / S3D as they are."""
    from mmvssl.apis.checkpoint import _backbone_class, _init_defaults
    cfg = copy.deepcopy(model_cfg)
    bb = cfg['backbone']
    if 'base_channels' not in _init_defaults(_backbone_class(bb['type'])):
        return cfg
    bb['base_channels'] = 4
    expansion = 4 if bb.get('depth', 50) >= 50 else 1
    if 'cls_head' in cfg:
        cfg['cls_head']['in_channels'] = 4 * 8 * expansion
    return cfg


def _build_model(cfg):
    from mmvssl.registry import MODELS
    model = MODELS.build(_narrow(cfg.model))
    model.init_weights()
    return model


CSTP_BACKBONES = ('r2plus1d10', 'r2plus1d18', 'r3d18', 'c3d', 's3dg')


def test_config_list():
    names = {_id(p) for p in CONFIGS}
    for ds in ('ucf101', 'hmdb51'):
        for s in (1, 2, 3):
            assert f'recognition/constcl_r3d50y_linear_{ds}-split{s}.py' in \
                names
            for b in CSTP_BACKBONES:  # every backbone CSTP fine-tunes
                assert f'recognition/cstp_{b}_ft_{ds}-split{s}.py' in names
        for b in CSTP_BACKBONES:
            assert f'recognition/cstp_{b}_linear_{ds}-split1.py' in names
        assert f'recognition/constcl_r3d50y_ft_{ds}-split1.py' in names
        assert f'recognition/ctrlaug_r3d18_ft_{ds}-split1.py' in names
        # retrieval at each method's own input size
        for r in ('r3d50y', 'cstp_r2plus1d10', 'cstp_c3d', 'ctrlaug_r3d18'):
            assert f'retrieval/{r}_retrieval_{ds}-split1.py' in names
    assert 'recognition/constcl_r3d50y_linear_k400.py' in names
    assert 'recognition/constcl_r3d50y_linear_diving48-v1.py' in names


@pytest.mark.parametrize('path', RECOGNITION, ids=_id)
def test_recognition_config(path):
    from mmengine.dataset import Compose
    from mmengine.optim import build_optim_wrapper

    from mmvssl.registry import METRICS, PARAM_SCHEDULERS
    cfg = _load(path)
    assert cfg.default_scope == 'mmvssl'
    model = _build_model(cfg)
    head = cfg.model.cls_head
    dataset = osp.basename(path).rsplit('_', 1)[-1][:-3]
    expected = {'ucf101': 101, 'hmdb51': 51, 'k400': 400, 'diving48': 48}
    assert head.num_classes == expected[dataset.split('-')[0]]
    # split files: the right split in train / val / test
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ann = cfg[loader].dataset.ann_file
        if '-split' in dataset:
            assert f'split_{dataset[-1]}_' in ann, (loader, ann)
        assert dataset.split('-')[0].replace('k400', 'kinetics400') in ann
        Compose(cfg[loader].dataset.pipeline)  # every transform exists
    # test protocol: 10 clips (x 3 crops for ConST-CL), averaged scores
    test = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    assert test['SampleFrames']['num_clips'] == 10
    assert ('ThreeCrop' if 'constcl' in path else 'CenterCrop') in test
    assert head.average_clips == 'prob'
    metric = METRICS.build(cfg.test_evaluator)
    assert type(metric).__name__ == 'AccMetric'
    assert set(metric.metrics) == {'top_k_accuracy', 'mean_class_accuracy'}
    # frozen backbone for linear probes, trainable otherwise
    model.train()
    frozen = [not p.requires_grad for p in model.backbone.parameters()]
    assert all(frozen) if '_linear_' in path else not any(frozen)
    if '_linear_' in path:  # BatchNorm statistics frozen too
        assert not any(m.training for m in model.backbone.modules()
                       if isinstance(m, torch.nn.modules.batchnorm._NormBase))
    assert all(p.requires_grad for p in model.cls_head.parameters())
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    for sched in cfg.param_scheduler:
        PARAM_SCHEDULERS.build(dict(sched, optimizer=optim))


def test_constcl_protocol_numbers():
    ucf = _load(osp.join(ROOT, 'configs/downstream/recognition/'
                         'constcl_r3d50y_ft_ucf101-split1.py'))
    hmdb = _load(osp.join(ROOT, 'configs/downstream/recognition/'
                          'constcl_r3d50y_ft_hmdb51-split1.py'))
    for cfg, lr in ((ucf, 0.72), (hmdb, 0.84)):
        assert cfg.optim_wrapper.optimizer.lr == lr
        assert cfg.optim_wrapper.optimizer.weight_decay == 1e-5
        assert cfg.train_cfg.max_epochs == 50
        assert cfg.model.cls_head.dropout_ratio == 0.5
        assert cfg.model.cls_head.type == 'L2NormI3DHead'
        assert cfg.train_dataloader.batch_size * 8 == 128
    lin = _load(osp.join(ROOT, 'configs/downstream/recognition/'
                         'constcl_r3d50y_linear_k400.py'))
    assert lin.optim_wrapper.optimizer.weight_decay == 0
    assert lin.model.cls_head.dropout_ratio == 0
    assert lin.train_cfg.max_epochs == 100
    cstp = _load(osp.join(ROOT, 'configs/downstream/recognition/'
                          'cstp_r2plus1d10_ft_ucf101-split2.py'))
    assert cstp.optim_wrapper.optimizer.lr == 0.02
    assert cstp.param_scheduler[0].type == 'ReduceOnPlateauLR'
    assert cstp.train_cfg.max_epochs == 100


def test_l2norm_head_normalises():
    from mmvssl.registry import MODELS
    head = MODELS.build(dict(type='L2NormI3DHead', num_classes=3,
                             in_channels=8))
    head.init_weights()
    x = torch.randn(2, 8, 2, 3, 3)
    scaled = head(x * 10.0)
    torch.testing.assert_close(head(x), scaled)


@pytest.mark.parametrize('path', RETRIEVAL, ids=_id)
def test_retrieval_config(path):
    from mmaction.structures import ActionDataSample

    from mmvssl.registry import HOOKS, METRICS
    cfg = _load(path)
    model = _build_model(cfg)
    metric = METRICS.build(cfg.test_evaluator)
    assert metric.topk == (1, 5, 10, 20, 50)
    hook = HOOKS.build(cfg.custom_hooks[0])
    assert 'train_split_1' in hook.ann_file
    assert 'val_split_1' in cfg.test_dataloader.dataset.ann_file
    test = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    assert test['SampleFrames']['num_clips'] == 10
    # the input size of the method: 224 px for ConST-CL, 112 px otherwise
    size = {'Resize': test['Resize']['scale'][1],
            'CenterCrop': test['CenterCrop']['crop_size']}
    assert size == ({'Resize': 256, 'CenterCrop': 224} if 'r3d50y' in path
                    else {'Resize': 128, 'CenterCrop': 112})
    # one feature per video out of 10 clips
    model.eval()
    data = dict(inputs=[torch.randint(0, 255, (10, 3, 16, 32, 32),
                                      dtype=torch.uint8)] * 2,
                data_samples=[ActionDataSample().set_gt_label(0)
                              for _ in range(2)])
    out = model.test_step(data)
    with torch.no_grad():
        channels = model.backbone(torch.zeros(1, 3, 16, 32, 32)).shape[1]
    assert out[0].feats.shape == (channels, )
    torch.testing.assert_close(out[0].feats.norm(), torch.tensor(1.0))
