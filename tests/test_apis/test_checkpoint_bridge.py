"""SSL checkpoint -> downstream backbone: branch selection, refusal of other
architectures, tools/convert/extract_backbone.py."""
import importlib.util
import os.path as osp

import pytest
import torch

import mmvssl  # noqa: F401
from mmvssl.apis import (convert_backbone_state_dict,
                         extract_backbone_checkpoint, load_backbone_checkpoint)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
# a small R3D with ConST-CL's stem / kernels (ResNet3dY's defaults)
ARCH = dict(depth=18, base_channels=4, pretrained=None, pretrained2d=False,
            conv1_kernel=(5, 7, 7), conv1_stride_t=2, pool1_stride_t=1,
            with_pool2=False, inflate=(0, 0, 1, 1))


def _tool(name):
    path = osp.join(ROOT, 'tools', 'convert', name + '.py')
    spec = importlib.util.spec_from_file_location('_tool_' + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _plain_r3d(**kw):
    from mmaction.models.backbones import ResNet3d
    return ResNet3d(**dict(ARCH, **kw))


def _y(**kw):
    from mmvssl.models.backbones import ResNet3dY
    return ResNet3dY(**dict(ARCH, **kw))


@pytest.fixture(scope='module')
def y_ckpt(tmp_path_factory):
    """A fake ConST-CL pre-training checkpoint: Y backbone with distinct
    branch weights, SSL neck / head, optimizer state."""
    torch.manual_seed(0)
    y = _y()
    with torch.no_grad():
        for p in y.layer4_r.parameters():
            p.add_(1.0)  # make the branches tell apart
    sd = {'backbone.' + k: v for k, v in y.state_dict().items()}
    sd['neck.mlp.0.weight'] = torch.randn(8, 32)
    sd['head.decoder.q.weight'] = torch.randn(4, 32)
    ckpt = dict(state_dict=sd, meta=dict(epoch=3),
                optimizer=dict(state={}, param_groups=[]))
    path = str(tmp_path_factory.mktemp('ckpt') / 'constcl.pth')
    torch.save(ckpt, path)
    return path, y


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize('branch,res5', [('global', 'layer4'),
                                         ('local', 'layer4_r')])
def test_branch_into_plain_resnet3d(y_ckpt, branch, res5):
    path, y = y_ckpt
    r3d = _plain_r3d()
    res = load_backbone_checkpoint(r3d, path, branch=branch)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert _same(r3d.layer4, getattr(y, res5))
    assert _same(r3d.layer1, y.layer1) and _same(r3d.conv1, y.conv1)


def test_branch_into_y_out_branch(y_ckpt):
    path, y = y_ckpt
    local = _y(out_branch='local')
    res = load_backbone_checkpoint(local, path, branch='local')
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert _same(local.layer4_r, y.layer4_r)
    # without branch: names are kept; the global branch is unexpected
    local2 = _y(out_branch='local')
    res = load_backbone_checkpoint(local2, path)
    assert _same(local2.layer4_r, y.layer4_r)
    assert res.unexpected_keys and all(
        k.startswith('layer4.') for k in res.unexpected_keys)
    # the full Y network loads everything as is
    full = _y()
    assert load_backbone_checkpoint(full, path).missing_keys == []
    assert _same(full, y)


def test_ssl_heads_are_dropped(y_ckpt):
    path, _ = y_ckpt
    sd = torch.load(path, weights_only=True)['state_dict']
    out = convert_backbone_state_dict(sd, branch='global')
    assert not any(k.startswith(('neck', 'head', 'backbone', 'layer4_r'))
                   for k in out)
    assert any(k.startswith('layer4.') for k in out)


def test_wrong_architecture_is_refused(y_ckpt):
    path, _ = y_ckpt
    wider = _plain_r3d(base_channels=8)
    with pytest.raises(ValueError, match=r"first mismatching key "
                       r"'conv1\.conv\.weight'"):
        load_backbone_checkpoint(wider, path, branch='global')
    # a checkpoint without any key of the backbone
    with pytest.raises(ValueError, match='holds no weights'):
        load_backbone_checkpoint(
            _plain_r3d(), {'state_dict': {'fc.weight': torch.ones(2, 2)}})
    # a plain checkpoint has no local branch
    plain = {'backbone.' + k: v for k, v in _plain_r3d().state_dict().items()}
    with pytest.raises(KeyError, match="no 'local' branch"):
        load_backbone_checkpoint(_plain_r3d(), plain, branch='local')


def test_missing_keys_are_reported(y_ckpt, capsys):
    path, _ = y_ckpt
    sd = torch.load(path, weights_only=True)['state_dict']
    del sd['backbone.layer1.0.conv1.conv.weight']
    res = load_backbone_checkpoint(_plain_r3d(), sd, branch='global',
                                   logger=None)
    assert res.missing_keys == ['layer1.0.conv1.conv.weight']
    assert 'layer1.0.conv1.conv.weight' in capsys.readouterr().out
    with pytest.raises(ValueError, match='strict'):
        load_backbone_checkpoint(_plain_r3d(), sd, branch='global',
                                 strict=True, logger='silent')


def test_extract_backbone_tool_and_load_from(y_ckpt, tmp_path):
    from mmengine.runner import load_checkpoint

    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    path, y = y_ckpt
    out = str(tmp_path / 'local_backbone.pth')
    _tool('extract_backbone').main([path, out, '--branch', 'local'])
    ckpt = torch.load(out, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    keys = list(ckpt['state_dict'])
    assert all(k.startswith('backbone.') for k in keys)
    assert not any(k.startswith('backbone.layer4_r') for k in keys)
    assert ckpt['meta']['mmvssl_backbone']['branch'] == 'local'
    # `load_from` (what the runner does) into an mmaction2 recognizer
    model = MODELS.build(dict(
        type='Recognizer3D', backbone=dict(type='ResNet3d', **ARCH),
        cls_head=dict(type='I3DHead', num_classes=3, in_channels=32),
        data_preprocessor=dict(type='ActionDataPreprocessor')))
    load_checkpoint(model, out, strict=False, logger='silent')
    assert _same(model.backbone.layer4, y.layer4_r)
    assert _same(model.backbone.conv1, y.conv1)
    # and back through the bridge (no branch: already single-res5)
    r3d = _plain_r3d()
    assert load_backbone_checkpoint(r3d, out).missing_keys == []
    assert _same(r3d.layer4, y.layer4_r)


def test_extract_backbone_without_branch_keeps_names(y_ckpt):
    path, _ = y_ckpt
    out = extract_backbone_checkpoint(path)
    keys = set(out['state_dict'])
    assert any(k.startswith('backbone.layer4_r.') for k in keys)
    assert any(k.startswith('backbone.layer4.') for k in keys)
    assert not any(k.startswith(('backbone.neck', 'neck', 'head'))
                   for k in keys)


# ---------------------------------------------------------- strict loading
def _ckpt_of(backbone_cfg, extra=None, with_cfg=True):
    """A pretraining checkpoint as the runner writes it: ``backbone.*`` +
    SSL head keys, the training config in ``meta['cfg']``."""
    from mmengine.config import Config

    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    bb = MODELS.build(dict(backbone_cfg))
    sd = {'backbone.' + k: v for k, v in bb.state_dict().items()}
    sd.update(extra or {'neck.fc.weight': torch.ones(2, 2)})
    meta = {}
    if with_cfg:
        meta['cfg'] = Config(dict(model=dict(
            type='CVRL', backbone=dict(backbone_cfg)))).pretty_text
    return dict(state_dict=sd, meta=meta), bb


Y_CFG = dict(type='ResNet3dY', **ARCH)


def test_strict_load_drops_heads_and_other_branch(capsys):
    from mmvssl.apis import load_pretrained_backbone
    from mmvssl.registry import MODELS
    ckpt, y = _ckpt_of(Y_CFG)
    local_cfg = dict(Y_CFG, out_branch='local')
    local = MODELS.build(local_cfg)
    res = load_pretrained_backbone(local, ckpt, arch=local_cfg, logger=None)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert _same(local.layer4_r, y.layer4_r) and _same(local.layer1,
                                                       y.layer1)
    log = capsys.readouterr().out
    assert 'neck.* (1)' in log and 'backbone.layer4.* (' in log


@pytest.mark.parametrize('case', ['wrong branch', 'deeper checkpoint',
                                  'shallower checkpoint', 'wrong strides',
                                  'wrong width'])
def test_mismatched_checkpoint_raises_naming_keys(case):
    from mmvssl.apis import CheckpointMismatchError, load_pretrained_backbone
    from mmvssl.registry import MODELS
    r21d = dict(type='ResNet2Plus1dSSL', base_channels=4)
    sst = dict(type='StrideSwitchResNet3d', depth=18, base_channels=4,
               temporal_strides=(1, 1, 2, 2))
    ckpt_cfg, model_cfg, pattern = {
        # a CVRL checkpoint (one res5) into the local-branch model
        'wrong branch': (dict(Y_CFG, loss_endpoints='C5'),
                         dict(Y_CFG, out_branch='local'),
                         r"no 'local' branch.*layer4_r"),
        'deeper checkpoint': (dict(r21d, stage_blocks=(2, 2, 2, 2)), r21d,
                              r"no place in the model: layer1\.1\."),
        'shallower checkpoint': (r21d, dict(r21d, stage_blocks=(2, 2, 2, 2)),
                                 r"not in the checkpoint.*layer1\.1\."),
        # same weight shapes, another network: only the recorded config
        # tells (the controllable-augmentations stride bug of wave 1)
        'wrong strides': (dict(sst, conv1_stride_t=2),
                          dict(sst, conv1_stride_t=1,
                               temporal_strides=(1, 2, 2, 2)),
                          r"conv1_stride_t=2 in the checkpoint, 1 in the "
                          r"model.*temporal_strides"),
        'wrong width': (dict(Y_CFG, base_channels=8), Y_CFG,
                        r"first 'conv1\.conv\.weight'"),
    }[case]
    ckpt, _ = _ckpt_of(ckpt_cfg)
    model = MODELS.build(model_cfg)
    with pytest.raises(CheckpointMismatchError, match=pattern) as err:
        load_pretrained_backbone(model, ckpt, arch=model_cfg, logger=None)
    msg = str(err.value)  # both architectures are named
    assert 'Checkpoint backbone: ' + ckpt_cfg['type'] in msg
    assert 'Model backbone: ' + model_cfg['type'] in msg


def test_strides_unchecked_without_recorded_config_but_allowed_changes():
    from mmvssl.apis import load_pretrained_backbone
    from mmvssl.registry import MODELS
    ckpt_cfg = dict(Y_CFG)
    model_cfg = dict(Y_CFG, spatial_strides=(1, 2, 2, 1))
    ckpt, _ = _ckpt_of(ckpt_cfg)
    model = MODELS.build(model_cfg)
    # a protocol's declared change (AVA: res5 spatial stride 1) is allowed
    load_pretrained_backbone(model, ckpt, arch=model_cfg, logger=None,
                             allowed_arch_changes=('spatial_strides', ))
    from mmvssl.apis import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='spatial_strides'):
        load_pretrained_backbone(model, ckpt, arch=model_cfg, logger=None)
    # no recorded config: the weights are checked, not the strides
    bare, _ = _ckpt_of(ckpt_cfg, with_cfg=False)
    load_pretrained_backbone(model, bare, arch=model_cfg, logger=None)


def _recognizer_cfg(num_classes=3):
    return dict(
        type='Recognizer3D', backbone=dict(Y_CFG, out_branch='global'),
        cls_head=dict(type='I3DHead', num_classes=num_classes,
                      in_channels=32),
        data_preprocessor=dict(type='ActionDataPreprocessor'))


def test_prepare_downstream_checkpoint_modes():
    from mmvssl.apis import (CheckpointMismatchError,
                             prepare_downstream_checkpoint)
    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = MODELS.build(_recognizer_cfg())
    head = {k: v.clone() for k, v in model.state_dict().items()
            if k.startswith('cls_head.')}
    ckpt, y = _ckpt_of(Y_CFG)
    assert prepare_downstream_checkpoint(
        model, ckpt, logger=None,
        arch=_recognizer_cfg()['backbone']) == 'backbone'
    # rewritten in place: exactly the model's keys, the head unchanged
    assert set(ckpt['state_dict']) == set(model.state_dict())
    for k, v in head.items():
        assert torch.equal(ckpt['state_dict'][k], v)
    assert torch.equal(ckpt['state_dict']['backbone.layer4.0.conv1.conv.'
                                          'weight'],
                       y.state_dict()['layer4.0.conv1.conv.weight'])
    # a fine-tuned checkpoint of this model: 'model' mode, strict
    tuned = dict(state_dict=dict(model.state_dict()))
    assert prepare_downstream_checkpoint(model, tuned, logger=None) == 'model'
    other = MODELS.build(_recognizer_cfg(num_classes=5))
    bad = dict(state_dict=dict(other.state_dict()))
    with pytest.raises(CheckpointMismatchError,
                       match=r"cls_head\.fc_cls\.weight.*mode='backbone'"):
        prepare_downstream_checkpoint(model, bad, logger=None)
    # ... whose backbone alone can be taken
    bad = dict(state_dict=dict(other.state_dict()))
    assert prepare_downstream_checkpoint(model, bad, mode='backbone',
                                         logger=None) == 'backbone'


def test_load_from_is_strict_through_the_hook(tmp_path):
    """The documented path: a Runner's `load_from` with the default hook."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmvssl.apis import CheckpointMismatchError
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    good, y = _ckpt_of(Y_CFG)
    cvrl, _ = _ckpt_of(dict(Y_CFG, loss_endpoints='C5'))
    for name, ckpt in (('good', good), ('cvrl', cvrl)):
        torch.save(ckpt, str(tmp_path / f'{name}.pth'))

    def runner(path, branch):
        model = _recognizer_cfg()
        model['backbone']['out_branch'] = branch
        cfg = Config(dict(
            model=model, work_dir=str(tmp_path / f'w_{branch}'),
            load_from=path, default_scope='mmvssl',
            default_hooks=dict(pretrained=dict(
                type='PretrainedBackboneHook'))))
        return Runner.from_cfg(cfg)

    r = runner(str(tmp_path / 'good.pth'), 'local')
    r.load_or_resume()
    assert _same(r.model.backbone.layer4_r, y.layer4_r)
    r = runner(str(tmp_path / 'cvrl.pth'), 'local')
    with pytest.raises(CheckpointMismatchError, match="no 'local' branch"):
        r.load_or_resume()
