"""`make demo`'s pipeline end to end on the tiny preset (slow)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.mark.slow
def test_demo_pipeline_tiny(tmp_path):
    work = tmp_path / 'demo'
    data = tmp_path / 'synthetic_tiny'
    cmd = [sys.executable, 'tools/demo.py', '--method', 'constcl',
           '--preset', 'tiny', '--data-root', str(data), '--work-dir',
           str(work), '--num-clips', '1', '--cfg-options',
           'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4']
    env = dict(os.environ, OMP_NUM_THREADS='2')
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # the data stage decoded every train / val video into the frame cache
    assert 'data: frame cache of ' in res.stdout
    n_videos = sum(1 for split in ('train', 'val') for line in open(
        data / 'kinetics' / f'{split}_list.txt') if line.strip())
    assert len(list((data / '.frame_cache').glob('*.npy'))) == n_videos
    out = work / 'constcl'
    table = (out / 'results.md').read_text()
    assert '| pretrained |' in table and '| random |' in table
    assert (out / 'results.png').stat().st_size > 10000
    results = json.loads((out / 'results.json').read_text())
    for init in ('pretrained', 'random'):
        row = results['rows'][init]
        for key in ('probe action', 'probe appearance', 'probe motion',
                    'retrieval R@1', 'retrieval R@5'):
            assert 0.0 <= row[key] <= 100.0
    # a second run reuses every finished stage
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'data: reusing' in res.stdout
    assert 'pretrain: reusing' in res.stdout
    assert 'features: reusing' in res.stdout


@pytest.mark.slow
def test_demo_all_methods_tiny(tmp_path):
    """`make demo METHOD=all` on the tiny preset: every method pretrains,
    is evaluated next to its random twin, and lands in one leaderboard."""
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    from demo import METHODS
    work = tmp_path / 'demo'
    data = tmp_path / 'synthetic_tiny'
    cmd = [sys.executable, 'tools/demo.py', '--method', 'all', '--preset',
           'tiny', '--data-root', str(data), '--work-dir', str(work),
           '--num-clips', '1', '--cfg-options', 'train_cfg.max_epochs=1']
    env = dict(os.environ, OMP_NUM_THREADS='2')
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=3000)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    board = json.loads((work / 'leaderboard.json').read_text())
    methods = [e['method'] for e in board['entries']]
    assert sorted(methods) == sorted(METHODS)
    for e in board['entries']:
        # the pretraining read the benchmark the demo generated (its config
        # takes the folder from MMVSSL_SYNTHETIC_ROOT), not data/synthetic
        dumped = [p for p in (work / e['method'] / 'pretrain').iterdir()
                  if p.suffix == '.py']
        assert len(dumped) == 1, e['method']
        assert str(data) + '/videos' in dumped[0].read_text()
        assert e['columns'][:4] == ['probe action', 'probe appearance',
                                    'probe motion', 'probe scene']
        for init in ('pretrained', 'random'):
            assert all(0.0 <= v <= 100.0 for v in e[init].values())
        assert e['targets'] and set(e['checks']) == set(e['targets'])
        # the kNN monitor ran before and after the pretraining
        assert len(e['knn']) >= 2, e['method']
    text = (work / 'leaderboard.md').read_text()
    assert all(f'| {m} | pretrained |' in text for m in METHODS)
    assert (work / 'leaderboard.png').stat().st_size > 20000
