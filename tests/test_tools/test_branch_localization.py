"""tools/analysis/branch_localization.py: the box mask, the per-clip scores,
and the tool end to end on the tiny preset (a checkpoint of the ConST-CL
synthetic model: with the checkpoint's own weights, the "pretrained" rows
must equal the random rows built with the same seed)."""
import copy
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(ROOT, 'tools', 'analysis', 'branch_localization.py')


def _tool():
    spec = importlib.util.spec_from_file_location('branch_localization', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bl = _tool()


def test_box_mask_selects_the_cells_whose_centres_are_inside():
    # 160 x 128 image, 10 x 8 map: cells of 16 px, centres at 8, 24, ...
    m = bl.box_mask((16, 16, 32, 32), (128, 160), (8, 10))
    assert m.shape == (8, 10)
    assert sorted(zip(*np.nonzero(m))) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    # a box smaller than a cell still marks the cell under its centre
    m = bl.box_mask((100, 50, 2, 2), (128, 160), (8, 10))
    assert list(zip(*np.nonzero(m))) == [(3, 6)]


def test_clip_scores_hit_margin_and_spatial_variance():
    rng = np.random.default_rng(0)
    fmap = rng.random((16, 4, 5)) * 0.1
    target = np.zeros(16)
    target[3] = 5.
    fmap[:, 2, 3] += target
    mask = np.zeros((4, 5), bool)
    mask[2, 3] = True
    s = bl.clip_scores(fmap, target, mask)
    assert s['hit'] == 1. and s['margin'] > 0.5
    assert s['chance'] == pytest.approx(1 / 20)
    # the box elsewhere: a miss, and the margin falls
    miss = bl.clip_scores(fmap, target, np.roll(mask, 1, axis=0))
    assert miss['hit'] == 0. and miss['margin'] < s['margin'] - 0.5
    # a spatially uniform map has no spatial variance; a zero-mean one all
    flat = np.ones((8, 4, 5))
    assert bl.clip_scores(flat, np.ones(8), mask)['spatial_var'] == 0.
    alt = np.where(np.indices((4, 5)).sum(0) % 2 == 0, 1., -1.)[None]
    assert bl.clip_scores(np.repeat(alt, 3, 0), np.ones(3),
                          mask)['spatial_var'] == pytest.approx(1.)


def test_bootstrap_ci_of_constant_values_is_a_point():
    assert bl.bootstrap_ci([0.3] * 7) == pytest.approx([0.3, 0.3])


@pytest.fixture(scope='module')
def seeded_checkpoint(tmp_path_factory):
    """The ConST-CL synthetic pretraining model at its initialisation with
    the tool's seed (0), saved as the runner does."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmvssl.registry import MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(bl.CONFIG)
    with DefaultScope.overwrite_default_scope('mmvssl'):
        torch.manual_seed(0)
        backbone = MODELS.build(dict(cfg.model.backbone, out_branch=None))
        backbone.init_weights()
    sd = {'backbone.' + k: v for k, v in backbone.state_dict().items()}
    path = str(tmp_path_factory.mktemp('branch_loc') / 'constcl.pth')
    torch.save(dict(state_dict=copy.deepcopy(sd),
                    meta=dict(cfg=cfg.pretty_text, epoch=1)), path)
    return path


@pytest.mark.parametrize('dilate', [False, True])
def test_tool_on_tiny(tiny, seeded_checkpoint, tmp_path, dilate):
    out = str(tmp_path / 'out')
    argv = ['--ckpt', seeded_checkpoint, '--data-root', tiny, '--out', out,
            '--starts', '0', '8', '16']
    res = bl.main(argv + (['--dilate'] if dilate else []))
    with open(osp.join(out, 'results.json')) as f:
        assert json.load(f)['summary'] == res['summary']
    assert osp.isfile(osp.join(out, 'results.md'))
    s = res['summary']
    assert set(s) == set(bl.INITS) and res['dilate'] == dilate
    for k in bl.INITS:
        assert 0. <= s[k]['hit'][1] <= s[k]['hit'][0] <= s[k]['hit'][2] <= 1.
        assert 0. < s[k]['spatial_var'][0] < 1.
    # the checkpoint holds the seeded initial weights: the "pretrained"
    # branches are the random ones, exactly (the checkpoint really loaded
    # into the branch it names, and the random twin is seeded)
    for branch in ('local', 'global'):
        assert res['per_sequence'][branch] == \
            res['per_sequence']['random-' + branch]


def test_missing_checkpoint_is_named(tiny, tmp_path):
    with pytest.raises(SystemExit, match='no checkpoint'):
        bl.main(['--ckpt', str(tmp_path / 'nope.pth'), '--data-root', tiny,
                 '--out', str(tmp_path / 'o')])
