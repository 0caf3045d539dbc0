"""tools/analysis/tracking_claim.py: the bootstrap, the per-sequence scores,
what each initialisation loads, and (slow) the tool end to end on the tiny
preset."""
import copy
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(ROOT, 'tools', 'analysis', 'tracking_claim.py')


def _tool():
    spec = importlib.util.spec_from_file_location('tracking_claim', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


tc = _tool()


# ------------------------------------------------------------ bootstrap
def test_bootstrap_constant_values_have_zero_width():
    assert tc.bootstrap_mean_ci([3.5] * 7) == (3.5, 3.5, 3.5)
    assert tc.bootstrap_mean_ci([2.0]) == (2.0, 2.0, 2.0)


def test_bootstrap_two_values_exact_quantiles():
    # resampled means of (0, 1): 0, 0.5, 1 with probabilities 1/4, 1/2,
    # 1/4, so the 2.5% / 97.5% quantiles are 0 and 1
    mean, lo, hi = tc.bootstrap_mean_ci([0.0, 1.0], num_samples=4000)
    assert mean == 0.5 and lo == 0.0 and hi == 1.0
    # at the 40% level the quantiles 30% / 70% are both 0.5
    assert tc.bootstrap_mean_ci([0.0, 1.0], num_samples=4000,
                                level=0.4) == (0.5, 0.5, 0.5)


def test_bootstrap_matches_normal_theory_and_is_deterministic():
    rng = np.random.default_rng(1)
    v = rng.normal(10, 2, size=400)
    mean, lo, hi = tc.bootstrap_mean_ci(v, seed=3)
    assert mean == pytest.approx(v.mean())
    assert lo < mean < hi
    # half-width ~ 1.96 sd / sqrt(n)
    half = 1.96 * v.std() / np.sqrt(v.size)
    assert (hi - lo) / 2 == pytest.approx(half, rel=0.1)
    assert tc.bootstrap_mean_ci(v, seed=3) == (mean, lo, hi)
    assert tc.bootstrap_mean_ci(v, seed=4) != (mean, lo, hi)
    # more sequences, narrower interval
    _, lo2, hi2 = tc.bootstrap_mean_ci(np.tile(v, 4), seed=3)
    assert hi2 - lo2 < hi - lo


def test_bootstrap_same_seed_same_resamples_across_trackers():
    # shifting every value shifts the interval exactly: the resampled
    # sequence sets are the same for the same seed and length
    v = np.array([10.0, 30.0, 20.0, 55.0, 40.0])
    m, lo, hi = tc.bootstrap_mean_ci(v)
    m2, lo2, hi2 = tc.bootstrap_mean_ci(v + 5)
    assert (m2, lo2, hi2) == pytest.approx((m + 5, lo + 5, hi + 5))


@pytest.mark.parametrize('bad', [[], [1.0, float('nan')]])
def test_bootstrap_rejects_empty_or_nan(bad):
    with pytest.raises(ValueError):
        tc.bootstrap_mean_ci(bad)


def test_per_sequence_scores_average_to_ope_metrics():
    from mmvssl.evaluation.functional.ope import ope_metrics
    rng = np.random.default_rng(0)
    gt, pred = {}, {}
    for i, n in enumerate((20, 35, 50)):
        g = np.tile([40.0, 30.0, 20.0, 16.0], (n, 1))
        g[:, :2] += rng.normal(0, 5, size=(n, 2)).cumsum(0)
        p = g + rng.normal(0, 4 * (i + 1), size=g.shape)
        g[3] = np.nan  # an invalid frame: excluded
        gt[f'v{i}'], pred[f'v{i}'] = g, p
    scores = tc.per_sequence_scores(pred, gt)
    ref = ope_metrics([pred[k] for k in gt], [gt[k] for k in gt])
    assert np.mean([s['success_auc'] for s in scores.values()]) == \
        pytest.approx(ref['success'])
    assert np.mean([s['precision'] for s in scores.values()]) == \
        pytest.approx(ref['precision'])
    assert [s['num_frames'] for s in scores.values()] == [19, 34, 49]
    # a perfect tracker: AUC 20/21 (IoU > 1 never holds), precision 100
    box = {'v': np.tile([4.0, 6.0, 20.0, 16.0], (5, 1))}
    perfect = tc.per_sequence_scores(box, box)
    assert perfect['v']['success_auc'] == pytest.approx(100 * 20 / 21)
    assert perfect['v']['precision'] == 100.0
    with pytest.raises(ValueError, match='no prediction'):
        tc.per_sequence_scores({'v0': pred['v0']}, gt)


# ---------------------------------------------------- what each init loads
def test_init_options():
    assert tc.init_options('constcl-local', 'c.pth') == {
        'model.pretrained': 'c.pth', 'model.pretrained_branch': 'local'}
    for init in ('constcl-global', 'cvrl'):
        assert tc.init_options(init, 'c.pth') == {
            'model.backbone.out_branch': 'global',
            'model.pretrained': 'c.pth', 'model.pretrained_branch': 'global'}
        assert tc.init_options(init, None) == {
            'model.backbone.out_branch': 'global'}
    assert tc.init_options('random', None) == {}
    assert tc.init_options('random', 'c.pth') == {}
    with pytest.raises(ValueError):
        tc.init_options('moco', None)


def test_schedule_options_stretch_the_geometric_decay():
    opts = tc.schedule_options(3, 2, 0.05, 5e-4)
    assert opts['train_cfg.max_epochs'] == 3
    assert opts['param_scheduler.0.gamma']**3 == pytest.approx(0.01)
    assert opts['train_dataloader.dataset.pairs_per_video'] == 2
    assert opts['default_hooks.checkpoint.interval'] == 3
    # the command-line form parses back to the same values
    assert tc.parse_cli_options(tc.as_cli(opts)) == pytest.approx(opts)


def _save_pretraining_checkpoint(config, path, seed=0):
    """The pretraining model of ``config`` with its initial weights, saved
    as the runner does (``meta['cfg']``: the architecture is checked)."""
    import torch
    from mmengine.config import Config

    from mmvssl.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(cfg=cfg.pretty_text, epoch=1)), path)
    return model


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    d = tmp_path_factory.mktemp('claim_ckpts')
    out = {}
    for name in ('constcl', 'cvrl'):
        path = str(d / f'{name}.pth')
        _save_pretraining_checkpoint(f'configs/{name}/r3d18_synthetic.py',
                                     path)
        out[name] = path
    return out


@pytest.mark.parametrize('init', ['constcl-local', 'constcl-global', 'cvrl'])
def test_each_init_loads_its_branch_strictly(init, checkpoints):
    """The tracker of each init takes every backbone tensor from the right
    res5 of the right checkpoint (CVRL: its single res5 in the
    global-branch tracker)."""
    import torch
    ckpt = checkpoints['cvrl' if init == 'cvrl' else 'constcl']
    tracker = tc._build_tracker(tc.CONFIG, tc.init_options(init, ckpt))
    sd = torch.load(ckpt, map_location='cpu')['state_dict']
    # the Y tracker keeps the branch's own res5 name; the other is absent
    other = 'layer4.' if init == 'constcl-local' else 'layer4_r.'
    got = tracker.backbone.state_dict()
    assert not any(k.startswith(other) for k in got)
    assert any(k.startswith('layer4') for k in got)
    for k, v in got.items():
        assert torch.equal(v, sd['backbone.' + k]), k


def test_cvrl_checkpoint_does_not_fit_the_local_branch(checkpoints):
    from mmvssl.apis import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='local'):
        tc._build_tracker(tc.CONFIG, {
            'model.pretrained': checkpoints['cvrl'],
            'model.pretrained_branch': 'local'})


# ------------------------------------------------------------ end to end
@pytest.mark.slow
def test_tracking_claim_tiny_end_to_end(tmp_path, checkpoints):
    data = tmp_path / 'synthetic_tiny'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    subprocess.run([
        sys.executable, 'tools/data/synthetic/generate.py', '--out',
        str(data), '--preset', 'tiny', '--seed', '0', '--workers', '0',
        '--no-progress'
    ], cwd=ROOT, env=env, check=True, timeout=600)
    out = tmp_path / 'claim'
    cmd = [sys.executable, TOOL, '--constcl-ckpt', checkpoints['constcl'],
           '--cvrl-ckpt', checkpoints['cvrl'], '--data-root', str(data),
           '--out', str(out), '--epochs', '1', '--pairs-per-video', '1',
           '--num-sequences', '2', '--cfg-options', 'model.scale_num=1',
           'train_dataloader.batch_size=4']
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=1800)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    results = json.loads((out / 'results.json').read_text())
    assert set(results) == {'protocol', 'entries'}
    assert isinstance(results['protocol'], str)
    assert [e['init'] for e in results['entries']] == list(tc.INITS)
    keys = {'init', 'success_auc', 'success_ci95', 'precision',
            'precision_ci95', 'num_sequences', 'checkpoint'}
    for e in results['entries']:
        assert set(e) == keys
        assert e['num_sequences'] == 2
        for k in ('success_auc', 'precision'):
            lo, hi = e[f'{k}_ci95'] if k == 'precision' else \
                e['success_ci95']
            assert 0 <= lo <= e[k] <= hi <= 100
        assert (e['checkpoint'] is None) == (e['init'] == 'random')
    by = {e['init']: e for e in results['entries']}
    assert by['cvrl']['checkpoint'] == osp.abspath(checkpoints['cvrl'])
    md = (out / 'results.md').read_text()
    for init in tc.INITS:
        assert f'| {init} |' in md
    assert 'local - random' in md
    for png in ('success_plot.png', 'precision_plot.png',
                'response_maps.png'):
        assert (out / png).stat().st_size > 5000
    # the same inits gave different fine-tuned trackers (the branch and
    # checkpoint really changed), from the same schedule
    boxes = {i: json.loads((out / i / 'test' / 'ope' /
                            'ope_results.json').read_text())[i]['videos']
             for i in tc.INITS}
    assert boxes['constcl-local'] != boxes['constcl-global']
    # a second run reuses every stage
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    for stage in ('train', 'test', 'diagnose'):
        assert res.stdout.count(f'{stage} ') >= 4
        for init in tc.INITS:
            assert f'{stage} {init}: reusing' in res.stdout
    assert json.loads((out / 'results.json').read_text()) == results


def test_report_names_the_configs_backbone():
    """The protocol line is read from the tracker config, not typed: the
    synthetic tracker inherits the shared CPU trunk."""
    from mmengine import Config
    cfg = Config.fromfile(osp.join(ROOT, tc.CONFIG))
    trunk = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/models/synthetic_trunk.py'))
    text = tc.backbone_text(cfg)
    assert text.startswith('ResNet3dY depth 18, 1-1-1-1 blocks')
    assert text.endswith(f"width {trunk.synthetic_trunk['base_channels']}")
