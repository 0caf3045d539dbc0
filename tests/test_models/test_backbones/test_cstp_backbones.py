"""Backbones of CSTP's Table 6 at 16 x 112 x 112: C3D, R(2+1)D-10 / -18,
R3D-18 (mmaction2's ResNet3d) and S3D-G."""
import pytest
import torch
from mmengine.registry import DefaultScope

import mmvssl  # noqa: F401
from mmvssl.models.backbones import S3D
from mmvssl.models.backbones.s3d import SelfGating
from mmvssl.registry import MODELS

R3D18 = dict(type='ResNet3d', depth=18, pretrained=None, pretrained2d=False,
             conv1_kernel=(3, 7, 7), with_pool1=False, with_pool2=False,
             temporal_strides=(1, 2, 2, 2), inflate=(1, 1, 1, 1),
             zero_init_residual=False)


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        m = MODELS.build(cfg)
    m.init_weights()
    m.eval()  # (mmaction2's ResNet3d.train returns None)
    return m


def params(m):
    return sum(p.numel() for p in m.parameters()) / 1e6


# (config, output shape at 16 x 112 x 112, parameters in millions)
TABLE6 = {
    'c3d': (dict(type='C3DFeatures'), (512, 1, 4, 4), 27.66),
    'r2plus1d10': (dict(type='ResNet2Plus1dSSL'), (512, 2, 7, 7), 14.41),
    'r3d18': (R3D18, (512, 2, 7, 7), 33.17),
    's3dg': (dict(type='S3D'), (1024, 2, 4, 4), 9.14),
}


@pytest.mark.parametrize('name', sorted(TABLE6))
def test_output_shape_and_size_at_16x112(name):
    cfg, shape, size = TABLE6[name]
    model = build(cfg)
    assert params(model) == pytest.approx(size, abs=0.01)
    with torch.no_grad():
        out = model(torch.randn(1, 3, 16, 112, 112))
    assert tuple(out.shape) == (1, ) + shape


def test_r2plus1d18_and_the_stem_pool():
    deep = build(dict(type='ResNet2Plus1dSSL', stage_blocks=(2, 2, 2, 2)))
    assert params(deep) == pytest.approx(33.23, abs=0.01)
    x = torch.randn(1, 3, 8, 64, 64)
    with torch.no_grad():
        assert deep(x).shape == (1, 512, 1, 4, 4)
        pooled = build(dict(type='ResNet2Plus1dSSL', with_pool1=True))(x)
    assert pooled.shape == (1, 512, 1, 2, 2)  # parent's max-pool honoured


def test_c3d_features_drop_the_fc_layers():
    model = build(dict(type='C3DFeatures'))
    assert not hasattr(model, 'fc6') and not hasattr(model, 'fc7')
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())
    with torch.no_grad():  # any clip size (mmaction2's C3D needs 16x112)
        assert build(dict(type='C3DFeatures', with_pool5=False))(
            torch.randn(1, 3, 8, 64, 64)).shape == (1, 512, 1, 4, 4)
    with pytest.raises(TypeError, match='no fc layers'):
        build(dict(type='C3DFeatures', out_dim=4096))


def test_s3d_gating_and_gradients():
    gated, plain = S3D(gating=True), S3D(gating=False)
    n_gates = sum(isinstance(m, SelfGating) for m in gated.modules())
    assert n_gates == 1 + 4 * 9  # conv_2c + four branches of 9 blocks
    assert not any(isinstance(m, SelfGating) for m in plain.modules())
    gated.init_weights()
    gate = gated.mixed_3b.gates[0]
    x = torch.randn(2, 64, 2, 3, 3)
    torch.testing.assert_close(gate(x), 0.5 * x)  # gates start half open
    model = S3D(first_temporal_kernel=3)
    model.train()
    out = model(torch.randn(2, 3, 8, 32, 32))
    assert out.shape == (2, 1024, 1, 1, 1)
    out.mean().backward()
    assert model.conv_1a[0].conv.weight.grad is not None
