"""ResNet3dY: Table 6 shapes, endpoints, branches, parameter counts."""
import pytest
import torch

import mmvssl  # noqa: F401

pytest.importorskip('mmcv.ops')
from mmaction.models import Recognizer3D  # noqa: E402,F401
from mmaction.models.backbones.resnet3d import BasicBlock3d  # noqa: E402
from mmaction.models.backbones.resnet3d import Bottleneck3d  # noqa: E402

from mmvssl.models.backbones import ResNet3dY  # noqa: E402
from mmvssl.registry import MODELS  # noqa: E402


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_r3d50_table6_shapes():
    """16x224^2 -> 8x7^2 with the R3D-50 architecture (width 8 for speed;
    the width does not change the shapes)."""
    m = ResNet3dY(depth=50, base_channels=8).eval()
    assert isinstance(m.layer1[0], Bottleneck3d)
    # stem: 5x7x7, stride (2, 2, 2); pool 1x3x3 stride (1, 2, 2)
    assert m.conv1.conv.kernel_size == (5, 7, 7)
    assert m.conv1.conv.stride == (2, 2, 2)
    assert m.maxpool.kernel_size == (1, 3, 3)
    assert m.maxpool.stride == (1, 2, 2)
    # res2/res3: no temporal kernel; res4/res5(_g, _r): 3x1x1 first conv
    for name, kt in [('layer1', 1), ('layer2', 1), ('layer3', 3),
                     ('layer4', 3), ('layer4_r', 3)]:
        for block in getattr(m, name):
            assert block.conv1.conv.kernel_size == (kt, 1, 1), name
            assert block.conv2.conv.kernel_size == (1, 3, 3), name
    assert [len(getattr(m, f'layer{i}')) for i in range(1, 5)] == \
        [3, 4, 6, 3]
    assert len(m.layer4_r) == 3
    with torch.no_grad():
        c4 = m.forward_trunk(torch.zeros(1, 3, 16, 224, 224))
        assert c4.shape == (1, 8 * 4 * 4, 8, 14, 14)
        out = m(torch.zeros(1, 3, 16, 224, 224))
    assert set(out) == {'global', 'local'}
    for v in out.values():
        assert v.shape == (1, 8 * 8 * 4, 8, 7, 7)


def test_r3d50_parameter_counts():
    single = ResNet3dY(depth=50, loss_endpoints='C5', out_branch='global')
    y = ResNet3dY(depth=50)
    # official R3D-50 (CVRL / ConST-CL TF): about 31.7M
    assert abs(n_params(single) / 1e6 - 31.7) < 0.1
    res5 = n_params(y.layer4_r)
    assert n_params(y) == n_params(single) + res5
    assert res5 == n_params(y.layer4)
    assert 20.0e6 < res5 < 20.5e6
    assert y.feat_dims == {'global': 2048, 'local': 2048}


def test_branches_independent_and_distinct():
    m = ResNet3dY(depth=18, base_channels=8)
    assert isinstance(m.layer1[0], BasicBlock3d)
    m.init_weights()
    for p in m.layer4_r.parameters():
        assert all(p is not q for q in m.layer4.parameters())
    # same architecture
    assert [tuple(p.shape) for p in m.layer4.parameters()] == \
        [tuple(p.shape) for p in m.layer4_r.parameters()]
    with torch.no_grad():
        for p in m.layer4_r.parameters():
            p.add_(0.1)
        out = m(torch.randn(2, 3, 8, 64, 64))
    assert out['global'].shape == out['local'].shape == (2, 64, 4, 2, 2)
    assert not torch.allclose(out['global'], out['local'])


@pytest.mark.parametrize('endpoints,dims,shapes', [
    ('C5g+C5r', (64, 64), ((4, 2, 2), (4, 2, 2))),
    ('C5', (64, 64), ((4, 2, 2), (4, 2, 2))),
    ('C4_p', (64, 32), ((4, 2, 2), (4, 2, 2))),
])
def test_loss_endpoints(endpoints, dims, shapes):
    m = ResNet3dY(depth=18, base_channels=8, loss_endpoints=endpoints)
    assert hasattr(m, 'layer4_r') == (endpoints == 'C5g+C5r')
    out = m(torch.randn(2, 3, 8, 64, 64))
    assert out['global'].shape == (2, dims[0]) + shapes[0]
    assert out['local'].shape == (2, dims[1]) + shapes[1]
    assert m.feat_dims == {'global': dims[0], 'local': dims[1]}
    if endpoints == 'C5':
        assert out['global'] is out['local']


def test_c4_p_is_pooled_res4():
    m = ResNet3dY(depth=18, base_channels=8, loss_endpoints='C4_p').eval()
    x = torch.randn(1, 3, 8, 64, 64)
    with torch.no_grad():
        c4 = m.forward_trunk(x)
        torch.testing.assert_close(
            m(x)['local'], torch.nn.functional.avg_pool3d(c4, (1, 2, 2)))


@pytest.mark.parametrize('branch,module', [('global', 'layer4'),
                                           ('local', 'layer4_r')])
def test_out_branch_single_tensor_and_pruned(branch, module):
    m = ResNet3dY(depth=18, base_channels=8, out_branch=branch)
    other = {'layer4', 'layer4_r'} - {module}
    assert hasattr(m, module) and not hasattr(m, other.pop())
    out = m(torch.randn(1, 3, 8, 64, 64))
    assert isinstance(out, torch.Tensor) and out.shape == (1, 64, 4, 2, 2)
    # a pre-trained Y checkpoint loads (the other branch's keys unexpected)
    y = ResNet3dY(depth=18, base_channels=8)
    missing, unexpected = m.load_state_dict(y.state_dict(), strict=False)
    assert not missing and unexpected
    assert all(k.startswith(other_prefix) for k in unexpected
               for other_prefix in [('layer4_r.' if branch == 'global'
                                     else 'layer4.')])


def test_in_recognizer3d():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        model = MODELS.build(
            dict(
                type='Recognizer3D',
                backbone=dict(type='ResNet3dY', depth=18, base_channels=8,
                              out_branch='local'),
                cls_head=dict(type='I3DHead', num_classes=5, in_channels=64),
                data_preprocessor=dict(type='ActionDataPreprocessor',
                                       format_shape='NCTHW')))
    feats = model(torch.randn(2, 1, 3, 8, 64, 64), mode='tensor')
    assert feats.shape == (2, 64, 4, 2, 2)
    assert model.cls_head(feats).shape == (2, 5)


def test_depth34_and_width():
    m = ResNet3dY(depth=34, base_channels=16, out_branch='global')
    assert [len(getattr(m, f'layer{i}')) for i in range(1, 5)] == \
        [3, 4, 6, 3]
    assert m(torch.randn(1, 3, 8, 32, 32)).shape == (1, 128, 4, 1, 1)


def test_freeze_includes_both_res5():
    m = ResNet3dY(depth=18, base_channels=8, frozen_stages=4)
    m.train()
    assert not any(p.requires_grad for p in m.parameters())


def test_bad_config_errors():
    with pytest.raises(ValueError, match='loss_endpoints'):
        ResNet3dY(depth=18, loss_endpoints='C6')
    with pytest.raises(ValueError, match='out_branch'):
        ResNet3dY(depth=18, out_branch='both')
    with pytest.raises(ValueError, match='out_indices'):
        ResNet3dY(depth=18, out_indices=(2, 3))
