"""Activation checkpointing (``with_cp=True``) changes memory, not maths:
the same loss and the same gradients as without, for every backbone family
of mmvssl (and mmaction2's ResNet3d that the CSTP R3D-18 config uses)."""
import copy

import pytest
import torch
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.registry import MODELS

BACKBONES = {
    'ResNet3dY-bottleneck': (dict(type='ResNet3dY', depth=50,
                                  base_channels=4), (2, 3, 8, 32, 32)),
    'ResNet3dY-basic-global': (dict(type='ResNet3dY', depth=18,
                                    base_channels=4, out_branch='global'),
                               (2, 3, 8, 32, 32)),
    'ResNet2Plus1dSSL': (dict(type='ResNet2Plus1dSSL', depth=18,
                              base_channels=4), (2, 3, 8, 32, 32)),
    'StrideSwitchResNet3d': (dict(type='StrideSwitchResNet3d', depth=18,
                                  base_channels=4), (2, 3, 8, 32, 32)),
    'S3D': (dict(type='S3D', gating=True, first_temporal_kernel=3),
            (2, 3, 8, 32, 32)),
    'C3DFeatures': (dict(type='C3DFeatures'), (2, 3, 16, 32, 32)),
    'ResNet3d (mmaction2, CSTP R3D-18)': (dict(
        type='ResNet3d', depth=18, base_channels=4, pretrained=None,
        pretrained2d=False, with_pool1=False, with_pool2=False,
        temporal_strides=(1, 2, 2, 2), inflate=(1, 1, 1, 1)),
        (2, 3, 8, 32, 32)),
}


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(cfg)
    if hasattr(model, 'init_weights'):
        model.init_weights()
    model.train()  # mmaction2's ResNet3d.train returns None
    return model


def scalar(out):
    """A loss that depends on every output element (fixed random weights)."""
    if isinstance(out, dict):
        return sum(scalar(out[k]) for k in sorted(out))
    if isinstance(out, (list, tuple)):
        return sum(scalar(o) for o in out)
    g = torch.Generator().manual_seed(out.numel())
    w = torch.randn(out.shape, generator=g)
    return (out * w).sum()


def loss_and_grads(model, x, **kw):
    model.zero_grad(set_to_none=True)
    loss = scalar(model(x, **kw))
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.grad is not None}
    return loss.detach(), grads


@pytest.mark.parametrize('name', list(BACKBONES))
def test_with_cp_same_loss_and_gradients(name):
    cfg, shape = BACKBONES[name]
    plain = build(cfg)
    ckpt = build(dict(copy.deepcopy(cfg), with_cp=True))
    ckpt.load_state_dict(plain.state_dict())
    assert ckpt.with_cp and not getattr(plain, 'with_cp', False)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    modes = [{}]
    if name == 'StrideSwitchResNet3d':
        # the strides switch at forward time: the recomputation in the
        # backward pass must use the forward's strides
        modes.append(dict(stride_mode='dense'))
    for kw in modes:
        l0, g0 = loss_and_grads(plain, x, **kw)
        l1, g1 = loss_and_grads(ckpt, x, **kw)
        torch.testing.assert_close(l1, l0, rtol=1e-5, atol=1e-5)
        assert g0.keys() == g1.keys() and len(g0) > 0
        for k in g0:
            torch.testing.assert_close(g1[k], g0[k], rtol=1e-4, atol=1e-5,
                                       msg=f'{name} {kw}: gradient of {k}')


def test_stride_switch_with_cp_dense_shape_and_restored_strides():
    model = build(dict(type='StrideSwitchResNet3d', depth=18,
                       base_channels=4, with_cp=True))
    x = torch.randn(1, 3, 16, 32, 32)
    before = [[c.stride for c in convs] for convs in model._strided]
    out = model(x, stride_mode='dense')
    assert out.shape[2] == 8  # dense: 16 frames / stem 2
    out.sum().backward()
    assert [[c.stride for c in convs] for convs in model._strided] == before
    assert model(x).shape[2] == 2  # default strides


def test_checkpointing_stores_fewer_activations():
    """The point of it: fewer tensors saved for backward."""
    cfg, shape = BACKBONES['ResNet3dY-bottleneck']
    x = torch.randn(*shape)

    def saved_bytes(model):
        total = [0]

        def pack(t):
            total[0] += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model(x)
        return total[0], out

    plain, _ = saved_bytes(build(cfg))
    ckpt, _ = saved_bytes(build(dict(cfg, with_cp=True)))
    assert ckpt < 0.5 * plain
