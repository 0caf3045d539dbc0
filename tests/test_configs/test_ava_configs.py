"""The AVA / AVA-Kinetics configs load, and their detector builds and trains
one step with each backbone choice (ConST-CL local / global branch, CVRL)."""
import copy
import glob
import os.path as osp

import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
AVA = osp.join(ROOT, 'configs', 'downstream', 'ava')
CONFIGS = sorted(glob.glob(osp.join(AVA, '*.py')))


@pytest.fixture(scope='module', autouse=True)
def scope():
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    import mmvssl.models.roi_heads  # noqa: F401


def _load(name):
    from mmengine.config import Config
    return Config.fromfile(osp.join(AVA, name))


def _narrow(model_cfg, width=4):
    cfg = copy.deepcopy(model_cfg)
    bb = cfg.backbone
    bb.base_channels = width
    c5 = width * 8 * (4 if bb.depth >= 50 else 1)
    rh = cfg.roi_head
    if rh.get('shared_head'):
        rh.shared_head.in_channels = c5
    else:
        rh.bbox_head.in_channels = c5
    return cfg


def _batch(num_classes, n=1):
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    inputs, samples = [], []
    for i in range(n):
        inputs.append(torch.randint(0, 255, (3, 4, 64, 96),
                                    dtype=torch.uint8))
        s = ActionDataSample()
        boxes = torch.tensor([[8., 8., 40., 60.], [50., 4., 90., 50.]])
        labels = torch.zeros(2, num_classes)
        labels[0, 1] = labels[1, 2] = 1
        s.gt_instances = InstanceData(bboxes=boxes, labels=labels)
        s.proposals = InstanceData(bboxes=boxes.clone())
        s.set_metainfo(dict(img_shape=(64, 96), video_id='v', timestamp=1))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_config_list():
    names = {osp.basename(p) for p in CONFIGS}
    for name in ('constcl-local_r3d50y_actr_32x2_ava22.py',
                 'constcl-global_r3d50y_actr_32x2_ava22.py',
                 'cvrl_r3d50_actr_32x2_ava22.py',
                 'constcl-local_r3d50y_bboxhead_32x2_ava22.py',
                 'constcl-local_r3d50y_actr_32x2_ava22-gtbox.py',
                 'constcl-local_r3d50y_actr_32x2_ava-kinetics.py',
                 'constcl-local_r3d50y_actr_32x2_ava-kinetics-gtbox.py',
                 'constcl-local_r3d18y_actr_synthetic.py'):
        assert name in names


def test_paper_protocol():
    cfg = _load('constcl-local_r3d50y_actr_32x2_ava22.py')
    assert cfg.default_scope == 'mmvssl'
    assert cfg.model.type == 'FastRCNN' and cfg.model._scope_ == 'mmdet'
    assert cfg.model.init_cfg is None
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('SGD', 1e-2, 0.9, 1e-7)
    # batch 256 on 8 GPUs: per-GPU batch x accumulated steps x 8, for 50k
    # optimizer steps (mmengine counts micro-batches: steps x accumulation)
    acc = cfg.optim_wrapper.accumulative_counts
    assert cfg.train_dataloader.batch_size * acc * 8 == 256
    assert cfg.train_cfg.max_iters == 50000 * acc
    assert cfg.param_scheduler[-1].end == 50000 * acc
    assert cfg.param_scheduler[0].end == 2000 * acc
    for loader in ('train_dataloader', 'test_dataloader'):
        pipe = {t.type: t for t in cfg[loader].dataset.pipeline}
        assert (pipe['SampleAVAFrames'].clip_len,
                pipe['SampleAVAFrames'].frame_interval) == (32, 2)
    # resolution 400: scale jitter + 400 x 400 crop (mmaction2's recipe
    # scaled), test at short side 400
    train = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert train['RandomRescale'].scale_range == (400, 500)
    assert train['RandomCrop'].size == 400 and 'Flip' in train
    test = {t.type: t for t in cfg.test_dataloader.dataset.pipeline}
    assert test['Resize'].scale == (-1, 400) and 'RandomCrop' not in test
    # the pretrained backbone, res5 spatial stride 1 the declared change
    assert cfg.model.backbone.spatial_strides == (1, 2, 2, 1)
    assert cfg.default_hooks.pretrained.allowed_arch_changes == (
        'spatial_strides', )
    # trained on ground-truth boxes, tested on detected / GT boxes
    assert 'gt_proposals_train' in cfg.train_dataloader.dataset.proposal_file
    assert 'FAIR' in cfg.test_dataloader.dataset.proposal_file
    gt = _load('constcl-local_r3d50y_actr_32x2_ava22-gtbox.py')
    assert 'gt_proposals_val' in gt.test_dataloader.dataset.proposal_file
    assert 'gt_proposals_val' in gt.val_dataloader.dataset.proposal_file
    ak = _load('constcl-local_r3d50y_actr_32x2_ava-kinetics-gtbox.py')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = ak[loader].dataset
        assert ds.type == 'CheckedAVAKineticsDataset'
        assert 'ava_kinetics' in ds.ann_file
    assert 'gt_proposals_val' in ak.test_dataloader.dataset.proposal_file
    assert ak.test_evaluator.ann_file == ak.test_dataloader.dataset.ann_file


@pytest.mark.parametrize('name,branch_module,other', [
    ('constcl-local_r3d50y_actr_32x2_ava22.py', 'layer4_r', 'layer4'),
    ('constcl-global_r3d50y_actr_32x2_ava22.py', 'layer4', 'layer4_r'),
    ('cvrl_r3d50_actr_32x2_ava22.py', 'layer4', 'layer4_r'),
    ('constcl-local_r3d50y_bboxhead_32x2_ava22.py', 'layer4_r', 'layer4'),
])
def test_backbone_choice_builds_and_trains(name, branch_module, other):
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmvssl.models.backbones import ResNet3dY
    from mmvssl.registry import MODELS
    cfg = _load(name)
    model = MODELS.build(_narrow(cfg.model))
    model.init_weights()
    assert hasattr(model.backbone, branch_module)
    assert not hasattr(model.backbone, other)
    shared = model.roi_head.shared_head if model.roi_head.with_shared_head \
        else None
    assert (type(shared).__name__ if shared else None) == \
        ('ActionTransformerHead' if '_actr_' in name else None)
    # a pre-training checkpoint loads through `load_from` (backbone.* keys)
    bb = cfg.model.backbone
    pre = ResNet3dY(depth=50, base_channels=4,
                    loss_endpoints=bb.loss_endpoints,
                    spatial_strides=(1, 2, 2, 2))
    sd = {f'backbone.{k}': v + 1.0 if v.is_floating_point() else v
          for k, v in pre.state_dict().items()}
    _load_checkpoint_to_model(model, sd, strict=False)
    key = f'{branch_module}.0.conv1.conv.weight'
    torch.testing.assert_close(model.backbone.state_dict()[key],
                               sd[f'backbone.{key}'])
    # one training step and one prediction
    model.train()
    data = model.data_preprocessor(_batch(81, n=2), training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    loss.backward()
    assert torch.isfinite(loss)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(81, n=1), training=False)
        out = model(**data, mode='predict')
    assert out[0].pred_instances.scores.shape == (2, 81)
