"""Every pretraining config paired with a downstream config hands over its
backbone exactly, through the documented path (`load_from` +
PretrainedBackboneHook).

The pairs are read from the table of configs/downstream/README.md (not
hand-picked here); model_zoo.md, the metafiles, the docs and the downstream
configs' own comments may not pair a pretraining config with a downstream
config outside that table. For every pair: build the pretraining model,
perturb and save its weights as the runner would (``meta['cfg']``), load
the file into the downstream model with a Runner's ``load_from``, and check
that every backbone tensor came from the checkpoint and that both backbones
give the same features for the same clip in eval mode (after the changes
the protocol declares: AVA's res5 stride, SiamFC's dilation).
"""
import copy
import functools
import glob
import json
import os.path as osp
import re

import pytest
import torch

import mmvssl  # noqa: F401

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
README = osp.join(ROOT, 'configs', 'downstream', 'README.md')
HEADING = '## Pretraining ↔ downstream pairs'
PRETRAIN_DIRS = ('constcl', 'cvrl', 'cstp', 'ctrlaug')
CONFIG_PATH = re.compile(
    r'configs/(?:%s)/[\w./-]+?\.py' % '|'.join(PRETRAIN_DIRS))
DOWNSTREAM_PATH = re.compile(r'configs/downstream/[\w./-]+?\.py')


def _rel(path):
    return osp.relpath(path, ROOT)


def _expand(pattern):
    paths = sorted(_rel(p) for p in glob.glob(osp.join(ROOT, pattern))
                   if '_base_' not in p)
    assert paths, f'{README}: {pattern!r} matches no config'
    return paths


def read_pairs():
    """``[(pretraining configs, downstream configs)]``, one per table row."""
    text = open(README).read()
    assert HEADING in text, f'{README} lost its pairing table ({HEADING!r})'
    section = text.split(HEADING, 1)[1].split('\n## ', 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) != 2 or not cells[0].startswith('`'):
            continue
        pre, down = ([p for pat in re.findall(r'`([^`]+)`', c)
                      for p in _expand(pat)] for c in cells)
        rows.append((pre, down))
    assert rows, f'{README}: the pairing table has no rows'
    return rows


ROWS = read_pairs()
PAIRS = {(p, d) for pre, down in ROWS for p in pre for d in down}
DOWNSTREAM = sorted(
    _rel(p) for p in glob.glob(
        osp.join(ROOT, 'configs', 'downstream', '**', '*.py'),
        recursive=True) if '_base_' not in p)


def test_every_downstream_config_is_paired():
    paired = {d for _, d in PAIRS}
    assert sorted(set(DOWNSTREAM) - paired) == []


def _documented_pairs():
    """Pairs stated outside the table: a downstream config's comments, or a
    doc line naming both a pretraining and a downstream config."""
    found = set()
    for d in DOWNSTREAM:
        for p in CONFIG_PATH.findall(open(osp.join(ROOT, d)).read()):
            found.add((p, d, d))
    docs = [osp.join(ROOT, 'README.md'), osp.join(ROOT, 'model_zoo.md')] + \
        glob.glob(osp.join(ROOT, 'docs', '*.md'))
    for doc in docs:
        for line in open(doc):
            for p in CONFIG_PATH.findall(line):
                for d in DOWNSTREAM_PATH.findall(line):
                    found.add((p, d, _rel(doc)))
    return found


def test_documented_pairs_are_in_the_table():
    missing = [(p, d, where) for p, d, where in _documented_pairs()
               if osp.exists(osp.join(ROOT, p)) and '_base_' not in p
               and (p, d) not in PAIRS]
    assert missing == []


def test_model_zoo_configs_with_downstream_results_are_paired():
    """A model-zoo / metafile model with downstream results names a
    pretraining config that the table pairs with downstream configs."""
    import yaml
    pretrain = {p for p, _ in PAIRS}
    listed = set()
    for mf in glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml')):
        for model in yaml.safe_load(open(mf)).get('Models', []):
            if model.get('Results'):
                listed.add(model['Config'])
    for line in open(osp.join(ROOT, 'model_zoo.md')):
        if line.startswith('|'):
            listed.update(CONFIG_PATH.findall(line))
    assert listed, 'no model zoo entry found: the test reads nothing'
    assert sorted(listed - pretrain) == []


# ------------------------------------------------------------ the hand-over
@pytest.fixture(scope='module', autouse=True)
def scope():
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@functools.lru_cache(maxsize=None)
def _cfg(path):
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, path))


def _key(obj):
    return json.dumps(obj, sort_keys=True, default=str)


def _hook_cfg(cfg):
    return dict(cfg.get('default_hooks', {}).get('pretrained') or {})


def _groups(row):
    """The row's pairs grouped by what the hand-over depends on: the
    pretraining algorithm and backbone, the downstream model type, backbone
    and hook settings (one check per group; every pair belongs to one)."""
    pre, down = row
    groups = {}
    for p in pre:
        pm = _cfg(p).model
        for d in down:
            dc = _cfg(d)
            key = (_key([pm.type, pm.backbone.to_dict()]),
                   _key([dc.model.type, dc.model.backbone.to_dict(),
                         _hook_cfg(dc)]))
            groups.setdefault(key, []).append((p, d))
    return list(groups.values())


def _perturbed_state(model):
    """The pretraining weights, every float tensor moved away from any
    initialisation (BN statistics included), so that a tensor left
    unloaded downstream changes the features."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            else:
                t.add_(0.05 * torch.randn(t.shape, generator=g))
    return {k: v.clone() for k, v in model.state_dict().items()}


def _clip(frames=16, size=64):
    g = torch.Generator().manual_seed(1)
    return torch.randn(1, 3, frames, size, size, generator=g)


def _reference_backbone(pre_model, pre_backbone_cfg, down_cfg):
    """The pretrained backbone with the protocol's declared changes."""
    from mmvssl.registry import MODELS
    allowed = _hook_cfg(down_cfg).get('allowed_arch_changes', ())
    ref = pre_model.backbone
    if allowed:
        cfg = dict(pre_backbone_cfg.to_dict(),
                   **{k: down_cfg.model.backbone[k] for k in allowed
                      if k in down_cfg.model.backbone})
        ref = MODELS.build(cfg)
        ref.load_state_dict(pre_model.backbone.state_dict(), strict=True)
    if down_cfg.model.type == 'SiamFC':
        from mmvssl.models.trackers.dilation import dilate_backbone
        ref = copy.deepcopy(ref)
        dilate_backbone(ref, dict(down_cfg.model.dilations))
    ref.eval()  # (mmaction2's ResNet3d.train returns None)
    return ref


def _branch(out, backbone):
    if isinstance(out, dict):
        return out[getattr(backbone, 'out_branch', None) or 'global']
    return out[-1] if isinstance(out, (list, tuple)) else out


def _pretrained(p, tmp_path, cache):
    """The pretraining model of config ``p`` and its checkpoint file (one
    per config and test)."""
    from mmvssl.apis import checkpoint_backbone_cfg
    from mmvssl.registry import MODELS
    if p not in cache:
        pre_cfg = _cfg(p)
        torch.manual_seed(0)
        pre_model = MODELS.build(copy.deepcopy(pre_cfg.model))
        pre_model.init_weights()
        state = _perturbed_state(pre_model)
        ckpt = dict(state_dict=state, meta=dict(cfg=pre_cfg.pretty_text))
        assert checkpoint_backbone_cfg(ckpt) is not None  # arch is checked
        path = str(tmp_path / f'pretrain_{len(cache)}.pth')
        torch.save(ckpt, path)
        cache[p] = (pre_model, state, path)
    return cache[p]


def _check_group(pairs, tmp_path, cache):
    from mmengine.runner import Runner
    p, d = pairs[0]
    pre_cfg = _cfg(p)
    pre_model, state, path = _pretrained(p, tmp_path, cache)

    cfg = copy.deepcopy(_cfg(d))
    cfg.work_dir = str(tmp_path / f'work_{osp.basename(d)[:-3]}')
    cfg.load_from = path
    cfg.launcher = 'none'
    cfg.pop('sync_bn', None)
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = runner.model
    backbone = model.backbone
    own = backbone.state_dict()
    assert own, d
    for k, v in own.items():  # zero backbone tensors left unloaded
        src = state.get('backbone.' + k)
        assert src is not None and torch.equal(v, src), (p, d, k)
    backbone.eval()
    ref = _reference_backbone(pre_model, pre_cfg.model.backbone, cfg)
    # C3D pools time 16x; 8 frames for the others (faster)
    clip = _clip(16 if 'C3D' in type(backbone).__name__ else 8)
    with torch.no_grad():
        expected = _branch(ref(clip), backbone)
        got = _branch(backbone(clip), backbone)
    assert got.shape == expected.shape, (p, d)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize('row', range(len(ROWS)),
                         ids=[osp.basename(r[0][0])[:-3] for r in ROWS])
def test_pretrained_backbone_reaches_downstream(row, tmp_path):
    groups = _groups(ROWS[row])
    assert sum(len(g) for g in groups) == len(ROWS[row][0]) * len(
        ROWS[row][1])
    cache = {}
    for pairs in groups:
        _check_group(pairs, tmp_path, cache)
