"""Small pieces of the main job (tools/demo.py) and of the sanity check
(tools/analysis/sanity_check.py), without running a pretraining."""
import json
import os.path as osp
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))

import demo  # noqa: E402
import sanity_check  # noqa: E402


def _res(pre, rnd):
    return dict(method='simclr', preset='easy', seed=0,
                rows=dict(pretrained={'probe appearance': pre},
                          random={'probe appearance': rnd}))


def test_sanity_rule():
    ok, msg = sanity_check.check(_res(61.0, 28.0))
    assert ok and 'gain +33.0 points (PASS' in msg
    ok, msg = sanity_check.check(_res(40.0, 28.0))
    assert not ok and 'gain +12.0 points (FAIL, needs >= 20)' in msg
    assert sanity_check.check(_res(48.0, 28.0))[0]  # exactly 20 passes


def test_same_design_detects_a_stale_benchmark():
    from mmvssl.datasets.synthetic.presets import get_preset
    cfg = {k: v for k, v in get_preset('tiny').items() if k != 'name'}
    meta = dict(preset='tiny', seed=0, config=json.loads(json.dumps(cfg)))
    assert demo._same_design(meta, 'tiny')
    meta['config']['actor_outline'] = 0.0  # written by an older generator
    assert not demo._same_design(meta, 'tiny')
    del meta['config']['actor_outline']
    assert not demo._same_design(meta, 'tiny')


def test_knn_curve_merges_resumed_runs(tmp_path):
    """An interrupted and resumed pretraining writes two run folders; the
    later one wins where both logged a step."""
    for run, rows in (('20260101_000000', [(0, 5.0), (2, 6.0)]),
                      ('20260101_010000', [(2, 7.0), (4, 9.0)])):
        d = tmp_path / run / 'vis_data'
        d.mkdir(parents=True)
        with open(d / 'scalars.json', 'w') as f:
            for step, v in rows:
                f.write(json.dumps({'knn/top1': v, 'step': step}) + '\n')
                f.write(json.dumps({'loss': 1.0, 'step': step}) + '\n')
    assert demo.knn_curve(str(tmp_path)) == [[0, 5.0], [2, 7.0], [4, 9.0]]
    assert demo.knn_curve(str(tmp_path / 'missing')) == []


def test_every_method_has_a_config_and_targets():
    for name, spec in demo.METHODS.items():
        assert osp.isfile(osp.join(ROOT, spec['config'])), name
        assert set(spec['targets']) <= set(demo.FACTORS), name


@pytest.mark.parametrize('argv', [['--method', 'nope'],
                                  ['--preset', 'huge']])
def test_demo_rejects_unknown_choices(argv):
    with pytest.raises(SystemExit):
        demo.parse_args(argv)


def test_sanity_check_passes_config_and_options_to_the_demo():
    args = sanity_check.parse_args([
        '--method', 'cvrl', '--config', 'configs/cvrl/r3d18_synthetic_2k.py',
        '--cfg-options', 'train_cfg.max_epochs=1'])
    cmd = sanity_check.demo_command(args)
    assert cmd[cmd.index('--method') + 1] == 'cvrl'
    assert cmd[cmd.index('--preset') + 1] == 'easy'
    assert cmd[cmd.index('--config') + 1] == \
        'configs/cvrl/r3d18_synthetic_2k.py'
    assert cmd[-2:] == ['--cfg-options', 'train_cfg.max_epochs=1']
    # by default CVRL with the check's own 48-px recipe; '' = the demo's
    cmd = sanity_check.demo_command(sanity_check.parse_args([]))
    assert cmd[cmd.index('--method') + 1] == 'cvrl'
    assert cmd[cmd.index('--config') + 1] == \
        'configs/cvrl/r3d18_synthetic_sanity.py'
    assert '--config' not in sanity_check.demo_command(
        sanity_check.parse_args(['--config', '']))
    assert '--config' not in sanity_check.demo_command(
        sanity_check.parse_args(['--method', 'simclr']))
    # BYOL / SimSiam: their controls on the check's recipe (Round 11)
    for fw in ('byol', 'simsiam'):
        cmd = sanity_check.demo_command(
            sanity_check.parse_args(['--method', fw]))
        config = cmd[cmd.index('--config') + 1]
        assert config == f'configs/cstp/{fw}_r3d18_synthetic_sanity.py'
        assert osp.isfile(osp.join(ROOT, config))


def test_knn_factor_of_the_monitor():
    """The leaderboard names the labels of each kNN curve: the CSTP rows
    monitor motion (the factor their pretexts target), the clip-level rows
    the actions."""
    cfg = osp.join(ROOT, 'configs')
    assert demo.knn_factor(osp.join(cfg, 'cstp', 'cstp_r3d18_synthetic.py')) \
        == 'motion'
    for name in ('cstp-simclr', 'cstp-moco', 'cstp-simsiam'):
        assert demo.knn_factor(osp.join(
            cfg, 'cstp', f'{name}_r3d18_synthetic.py')) == 'motion'
    assert demo.knn_factor(osp.join(cfg, 'cvrl', 'r3d18_synthetic.py')) == \
        'action'
    assert demo.knn_factor(osp.join(
        cfg, 'cvrl', 'r3d50_k400.py')) is None


def test_knn_factor_reads_only_the_generators_list_names(tmp_path):
    """A monitor on another dataset's list (whose name may contain
    '_list_') reads that dataset's action labels."""
    path = tmp_path / 'k400_knn.py'
    path.write_text(
        "custom_hooks = [dict(type='KNNMonitorHook', val_dataloader=dict("
        "dataset=dict(ann_file='data/k400/kinetics400_val_list_videos.txt'"
        ")))]\n")
    assert demo.knn_factor(str(path)) == 'action'
    path.write_text(path.read_text().replace(
        'kinetics400_val_list_videos.txt', 'val_list_scene.txt'))
    assert demo.knn_factor(str(path)) == 'scene'
