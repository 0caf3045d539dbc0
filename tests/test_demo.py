"""`make demo`'s pipeline end to end on the tiny preset (slow)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


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


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('synthetic') / 'tiny')


@pytest.mark.slow
@pytest.mark.parametrize('method,options', [
    ('cstp', ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=4']),
    # 4 intensity levels x 2 videos: the config's level-grouped batch
    ('ctrlaug', ['train_cfg.max_epochs=1']),
])
def test_demo_other_methods_tiny(tiny_root, tmp_path, method, options):
    """`make demo METHOD=cstp|ctrlaug`: pretraining, features of the
    method's backbone and the report, on the tiny preset."""
    work = tmp_path / 'demo'
    cmd = [sys.executable, 'tools/demo.py', '--method', method,
           '--preset', 'tiny', '--data-root', tiny_root, '--work-dir',
           str(work), '--num-clips', '1', '--cfg-options'] + options
    env = dict(os.environ, OMP_NUM_THREADS='2')
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = work / method
    # the pretraining read the benchmark the demo generated (its config
    # takes the folder from MMVSSL_SYNTHETIC_ROOT), not data/synthetic
    dumped = [p for p in (out / 'pretrain').iterdir() if p.suffix == '.py']
    assert len(dumped) == 1
    assert osp.abspath(tiny_root) + '/videos' in dumped[0].read_text()
    results = json.loads((out / 'results.json').read_text())
    assert results['method'] == method
    for init in ('pretrained', 'random'):
        row = results['rows'][init]
        assert 0.0 <= row['probe motion'] <= 100.0
        assert 0.0 <= row['retrieval R@5'] <= 100.0
    assert (out / 'results.png').stat().st_size > 10000
