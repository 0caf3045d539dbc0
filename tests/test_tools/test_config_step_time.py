"""tools/analysis/config_step_time.py: whole-config step times side by
side."""
import os.path as osp
import sys

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import config_step_time as S  # noqa: E402


def test_times_each_config_on_its_own_batch(tiny, monkeypatch, capsys):
    monkeypatch.setenv('MMVSSL_SYNTHETIC_ROOT', tiny)
    monkeypatch.chdir(ROOT)
    res = S.main([
        'configs/cvrl/r3d18_synthetic.py',
        'configs/constcl/r3d18_synthetic.py', '--steps', '1', '--warmup',
        '0', '--batch-size', '2', '--threads', '1'
    ])
    out = capsys.readouterr().out
    assert [r['config'] for r in res] == [
        'configs/cvrl/r3d18_synthetic.py', 'configs/constcl/r3d18_synthetic.py'
    ]
    assert all(r['wall'] > 0 and r['cpu'] > 0 for r in res)
    rows = [ln for ln in out.splitlines() if ln.startswith('| configs/')]
    assert len(rows) == 2
    assert rows[0].endswith('| 1.00 / 1.00 |')
    assert '| 2 |' in rows[1]  # the batch size override reached the loader
