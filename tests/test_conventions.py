"""The conventions of issue 16 (items 1-3), checked on the package itself:
losses hold no parameters and import no heads, heads are called one way,
one pooling helper, one reader of view records."""
import ast
import inspect
import os.path as osp
import pkgutil

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmaction.structures import ActionDataSample

import mmvssl  # noqa: F401
import mmvssl.models.heads as heads
import mmvssl.models.losses as losses
import mmvssl.ops as ops
from mmvssl.ops import pool_feature, select_feature
from mmvssl.structures import (geometry_labels, pretext_labels,
                               record_levels, records_by_view, stacked_boxes,
                               view_names)

PKG = osp.dirname(mmvssl.__file__)


def _imports(path):
    tree = ast.parse(open(path).read())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.append(('.' * node.level) + (node.module or ''))
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def _modules(pkg):
    return [osp.join(osp.dirname(pkg.__file__), m.name + '.py')
            for m in pkgutil.iter_modules(pkg.__path__)]


def test_loss_modules_have_no_parameters():
    found = []
    for name in losses.__all__:
        obj = getattr(losses, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            found.append(name)
            assert not list(obj().parameters()), name
    assert found == ['InfoNCELoss', 'RegionInfoNCELoss']


def test_losses_import_no_heads_and_ops_read_no_data_samples():
    for path in _modules(losses):
        for mod in _imports(path):
            assert 'heads' not in mod and 'algorithms' not in mod, (path, mod)
    for path in _modules(ops):
        src = open(path).read()
        assert 'metainfo' not in src and 'data_sample' not in src, path


def test_every_head_loss_has_one_signature():
    checked = []
    for name in heads.__all__:
        obj = getattr(heads, name)
        if inspect.isclass(obj) and hasattr(obj, 'loss') and callable(
                obj.loss):
            params = list(inspect.signature(obj.loss).parameters)
            assert params[:3] == ['self', 'feats', 'data_samples'], (name,
                                                                     params)
            checked.append(name)
    assert {'SimCLRHead', 'MoCoHead', 'BYOLHead', 'SimSiamHead',
            'PlaybackRateHead', 'RotationHead', 'STORHead', 'ConSTCLHead',
            'RegionMLPHead', 'InstanceReconstructorHead',
            'SoftRegionContrastHead', 'LowLevelMIHead',
            'TemporalDependencyHead', 'ClipOrderHead',
            'LocalGlobalNCEHead'} <= set(checked)


def test_one_pooling_helper():
    x = torch.randn(2, 3, 4, 5, 6)
    deep = torch.randn(2, 7, 1, 2, 2)
    assert torch.equal(pool_feature(x), x.flatten(2).mean(2))
    assert select_feature(dict(global_=None, **{'global': x})) is x
    assert select_feature((x, deep)) is deep  # stage outputs: the deepest
    assert select_feature(dict(local=deep)) is deep
    assert torch.equal(pool_feature(x[:, :, 0, 0, 0]), x[:, :, 0, 0, 0])
    with pytest.raises(KeyError, match="'global'"):
        select_feature(dict(a=x, b=x))
    for src in ('models/heads/ssl_heads.py', 'models/algorithms/base.py',
                'models/algorithms/cstp.py', 'apis/features.py'):
        assert 'pool_feature' in open(osp.join(PKG, src)).read(), src


def _sample(**meta):
    ds = ActionDataSample()
    ds.set_metainfo(meta)
    return ds


def test_the_reader_of_view_records():
    boxes = np.zeros((2, 3, 4), np.float32)
    rec = [dict(name='a', playback_label=1, rotation=0, boxes=boxes,
                levels=dict(blur=2)),
           dict(name='b', playback_label=-1, rotation=3,
                boxes=boxes[:, :2], levels=dict(blur=0))]
    samples = [_sample(view_names=['a', 'b'], geometry=rec,
                       pretext=dict(temporal_overlap=4))] * 2
    assert view_names(samples) == ['a', 'b']
    assert records_by_view(samples, ['b'])[1][0]['name'] == 'b'
    assert geometry_labels(samples, 1, 'playback_label').tolist() == [-1, -1]
    assert pretext_labels(samples, 'temporal_overlap', 5).tolist() == [4, 4]
    assert record_levels(rec, ['blur']).tolist() == [[2], [0]]
    got = stacked_boxes(samples, 0)
    assert got['boxes'].shape == (2, 2, 3, 4) and got['timestamps'] is None
    with pytest.raises(ValueError, match='rotated'):
        stacked_boxes(samples, 1)
    with pytest.raises(ValueError, match=r'outside \[0, 4\)'):
        pretext_labels(samples, 'temporal_overlap', 4)
    with pytest.raises(KeyError, match='expected'):
        records_by_view(samples, ['c'])
    with pytest.raises(KeyError, match='hint here'):
        geometry_labels(samples, 0, 'missing', hint='hint here')
