"""bf16 autocast (``--amp``) on the CPU: a training step of every
pretraining algorithm with finite float32 losses, float32 islands in the
losses, and the optim-wrapper conversion of ``tools/train.py --amp``."""
import copy
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.engine.optimizers import (AutocastOptimWrapper,
                                      amp_optim_wrapper_cfg)
from mmvssl.models.losses import (donsker_varadhan, info_nce, nt_xent,
                                  queue_info_nce, region_info_nce,
                                  soft_info_nce)
from mmvssl.models.utils.precision import float32_island

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import memory_estimate as me  # noqa: E402


def small_r3d(cfg, depth=18, width=8):
    """The config's ResNet3dY at R3D-18 of ``width``, heads adapted."""
    cfg.model.backbone.update(depth=depth, base_channels=width)
    c5 = width * 8
    cfg.model.neck.update(in_channels=c5, hid_channels=32)
    if cfg.model.get('head') is not None:
        cfg.model.head.in_channels = c5
        if 'out_channels' in cfg.model.head:  # InstanceReconstructorHead
            cfg.model.head.out_channels = c5
    return cfg


def cstp_variant(path):
    return Config.fromfile(osp.join(ROOT, path))


def baseline(kind, path='configs/cstp/cstp-moco_r2plus1d10_4xb15-300e_'
             'ucf101.py'):
    """A plain framework (MoCo / BYOL / SimCLR / SimSiam, no pretexts) on
    the CSTP config's backbone and data, with that config's head."""
    heads = dict(
        MoCo='configs/cstp/cstp-moco_r2plus1d10_4xb15-300e_ucf101.py',
        SimCLR='configs/cstp/cstp-simclr_r2plus1d10_4xb15-300e_ucf101.py',
        SimSiam='configs/cstp/cstp-simsiam_r2plus1d10_4xb15-300e_ucf101.py',
        BYOL='configs/cstp/cstp_r2plus1d10_4xb15-300e_ucf101.py')
    cfg = Config.fromfile(osp.join(ROOT, heads[kind]))
    head = copy.deepcopy(cfg.model.contrastive_head)
    head.pop('type')
    cfg.model = dict(type=kind, backbone=cfg.model.backbone, head=head,
                     data_preprocessor=cfg.model.data_preprocessor)
    return cfg


# algorithm -> (config, input scale (frames, size))
ALGORITHMS = {
    'ConSTCL': (lambda: small_r3d(Config.fromfile(
        osp.join(ROOT, 'configs/constcl/r3d50_k400.py'))), (1., .25)),
    'CVRL': (lambda: small_r3d(Config.fromfile(
        osp.join(ROOT, 'configs/cvrl/r3d50_k400.py'))), (.5, .25)),
    'CSTP-BYOL': (lambda: cstp_variant(
        'configs/cstp/cstp_r2plus1d10_4xb15-300e_ucf101.py'), (.5, .25)),
    'CSTP-SimCLR': (lambda: cstp_variant(
        'configs/cstp/cstp-simclr_r2plus1d10_4xb15-300e_ucf101.py'),
        (.5, .25)),
    'MoCo': (lambda: baseline('MoCo'), (.5, .25)),
    'BYOL': (lambda: baseline('BYOL'), (.5, .25)),
    'SimCLR': (lambda: baseline('SimCLR'), (.5, .25)),
    'SimSiam': (lambda: baseline('SimSiam'), (.5, .25)),
    'CtrlAug': (lambda: Config.fromfile(
        osp.join(ROOT, 'configs/ctrlaug/r3d18_ucf101.py')), (1., .5)),
}


def train_step(cfg, scale, amp, seed=0):
    cfg = copy.deepcopy(cfg)
    optim = dict(type='OptimWrapper',
                 optimizer=dict(type='SGD', lr=1e-3, momentum=0.9))
    cfg.optim_wrapper = amp_optim_wrapper_cfg(optim, cuda=False) \
        if amp else optim
    model = me.build_model(cfg.model, seed=seed)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    dtypes = []
    model.backbone.register_forward_hook(
        lambda m, i, o: dtypes.append(
            (o['global'] if isinstance(o, dict) else o).dtype))
    data, _, _ = me.make_inputs(cfg, 4, scale)
    torch.manual_seed(seed)
    losses = model.train_step(data, wrapper)
    return losses, dtypes, wrapper


@pytest.mark.parametrize('name', list(ALGORITHMS))
def test_bf16_autocast_train_step(name):
    make_cfg, scale = ALGORITHMS[name]
    cfg = make_cfg()
    losses, dtypes, wrapper = train_step(cfg, scale, amp=True)
    assert isinstance(wrapper, AutocastOptimWrapper)
    # the backbone really ran in bf16 ...
    assert dtypes and all(d == torch.bfloat16 for d in dtypes), dtypes
    # ... and the losses are float32 and finite
    loss_keys = [k for k in losses if 'loss' in k]
    assert loss_keys
    for k in loss_keys:
        assert losses[k].dtype == torch.float32, (k, losses[k].dtype)
        assert torch.isfinite(losses[k]).all(), (k, losses[k])


@pytest.mark.slow
@pytest.mark.parametrize('name', list(ALGORITHMS))
def test_bf16_losses_close_to_fp32(name):
    """Same inputs and weights: the bf16 step's losses are close to the
    fp32 step's (bf16 rounds the features, the losses are fp32)."""
    make_cfg, scale = ALGORITHMS[name]
    cfg = make_cfg()
    losses, _, _ = train_step(cfg, scale, amp=True)
    loss_keys = [k for k in losses if 'loss' in k]
    ref, ref_dtypes, _ = train_step(cfg, scale, amp=False)
    assert all(d == torch.float32 for d in ref_dtypes)
    for k in loss_keys:
        torch.testing.assert_close(losses[k], ref[k], rtol=0.1, atol=0.1,
                                   msg=f'{name} {k}')


# ------------------------------------------------------ float32 islands
def _bf16(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(
        torch.randn(*shape, generator=g), dim=-1).bfloat16()


ISLANDS = {
    'info_nce': lambda: info_nce(_bf16(8, 16), _bf16(8, 16, seed=1),
                                 torch.arange(8), 0.1),
    'nt_xent': lambda: nt_xent(_bf16(8, 16), _bf16(8, 16, seed=1), 0.1,
                               gather=False)['loss'],
    'region_info_nce': lambda: region_info_nce(
        _bf16(3, 4, 16), _bf16(3, 5, 16, seed=1),
        torch.zeros(3, 4, dtype=torch.long), 0.2, gather=False)['loss'],
    'soft_info_nce': lambda: soft_info_nce(
        _bf16(3, 4, 16), _bf16(3, 5, 16, seed=1),
        torch.full((3, 4, 5), 0.2), 0.1, gather=False)['loss'],
    'queue_info_nce': lambda: queue_info_nce(
        _bf16(8, 16), _bf16(8, 16, seed=1), _bf16(16, 32, seed=2).float(),
        0.2)['loss'],
    'donsker_varadhan (MINE log-mean-exp)': lambda: donsker_varadhan(
        _bf16(6, 6) * 30, _bf16(6, 6, seed=1) * 30),
}


@pytest.mark.parametrize('name', list(ISLANDS))
def test_losses_are_float32_islands_under_autocast(name):
    fn = ISLANDS[name]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = fn()
    ref = fn()  # no autocast: bf16 inputs are cast to fp32 alike
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, rtol=0, atol=0)


def test_without_the_island_autocast_would_round_the_logits():
    """The negative control: the same InfoNCE without ``float32_island``
    under autocast computes bf16 logits and another loss."""
    q, k = _bf16(64, 128).float(), _bf16(64, 128, seed=1).float()
    raw = info_nce.__wrapped__
    with torch.autocast('cpu', dtype=torch.bfloat16):
        rounded = raw(q, k, torch.arange(64), 0.1)
        island = info_nce(q, k, torch.arange(64), 0.1)
    exact = raw(q, k, torch.arange(64), 0.1)
    assert rounded.dtype == torch.float32 or rounded.dtype == torch.bfloat16
    torch.testing.assert_close(island, exact, rtol=0, atol=0)
    assert not torch.equal(rounded.float(), exact)


def test_float32_island_casts_nested_and_keeps_grads():
    seen = {}

    @float32_island
    def f(xs, d):
        seen['dtypes'] = [x.dtype for x in xs] + [d['y'].dtype]
        seen['autocast'] = torch.is_autocast_enabled('cpu')
        return (xs[0] @ d['y']).sum()

    a = torch.randn(4, 4, dtype=torch.bfloat16, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = f([a], dict(y=torch.randn(4, 4)))
    out.backward()
    assert seen == dict(dtypes=[torch.float32] * 2, autocast=False)
    assert a.grad is not None and a.grad.dtype == torch.bfloat16


# ------------------------------------------------ --amp and the configs
def test_amp_optim_wrapper_cfg_per_device():
    base = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    cpu = amp_optim_wrapper_cfg(base, cuda=False)
    assert cpu['type'] == 'AutocastOptimWrapper'
    assert cpu['dtype'] == 'bfloat16'
    gpu = amp_optim_wrapper_cfg(base, cuda=True)
    assert gpu['type'] == 'AmpOptimWrapper'
    assert gpu['loss_scale'] == 'dynamic'
    shipped = dict(type='AmpOptimWrapper', dtype='bfloat16',
                   optimizer=dict(type='SGD', lr=0.1))
    assert amp_optim_wrapper_cfg(shipped, cuda=False)['type'] == \
        'AutocastOptimWrapper'
    assert amp_optim_wrapper_cfg(shipped, cuda=True) == dict(
        shipped, loss_scale='dynamic')
    with pytest.raises(ValueError, match='only bfloat16'):
        amp_optim_wrapper_cfg(dict(shipped, dtype='float16'), cuda=False)
    with pytest.raises(ValueError, match='not supported'):
        amp_optim_wrapper_cfg(dict(type='ApexOptimWrapper'), cuda=False)


def test_train_py_amp_on_cpu(tmp_path):
    import train
    if torch.cuda.is_available():
        pytest.skip('checks the CPU conversion')
    cfg_path = osp.join(ROOT, 'configs/cvrl/r3d50_k400.py')
    args = train.parse_args([cfg_path, '--amp', '--work-dir',
                             str(tmp_path)])
    cfg = train.merge_args(Config.fromfile(cfg_path), args)
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    # a shipped AmpOptimWrapper config runs on the CPU without --amp too
    args = train.parse_args([cfg_path, '--work-dir', str(tmp_path)])
    raw = Config.fromfile(cfg_path)
    raw.optim_wrapper.update(type='AmpOptimWrapper', dtype='bfloat16')
    assert train.merge_args(raw, args).optim_wrapper.type == \
        'AutocastOptimWrapper'
    raw.optim_wrapper.dtype = 'float16'
    with pytest.raises(SystemExit, match='bfloat16'):
        train.merge_args(raw, args)
