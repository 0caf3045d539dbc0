"""tools/analysis/benchmark_frame_cache.py: cached vs decoded samples."""
import os.path as osp
import sys

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import benchmark_frame_cache as B  # noqa: E402


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from mmvssl.datasets.synthetic.generator import generate
    out = tmp_path_factory.mktemp('fc') / 'tiny'
    generate(str(out), preset='tiny', seed=0, workers=0, progress=False)
    return str(out)


def _run(tiny, monkeypatch):
    monkeypatch.setenv('MMVSSL_SYNTHETIC_ROOT', tiny)
    B.main(['--data-root', tiny, '--num-videos', '3', '--repeats', '2'])


def test_reports_identical_samples_and_the_ratio(tiny, monkeypatch, capsys):
    _run(tiny, monkeypatch)
    out = capsys.readouterr().out
    assert 'identical samples: yes' in out
    ratio = float(out.strip().splitlines()[-1].rsplit(' ', 1)[1][:-1])
    assert ratio > 0
    # the benchmark's own cache is temporary: the data root gets none
    assert not osp.exists(osp.join(tiny, '.frame_cache'))


def test_a_cache_that_changes_pixels_is_caught(tiny, monkeypatch):
    from mmvssl.datasets import video_readers as R
    real = R._CachedVideo.get_frames

    def off_by_one(self, inds):
        return real(self, inds) ^ np.uint8(1)

    monkeypatch.setattr(R._CachedVideo, 'get_frames', off_by_one)
    with pytest.raises(SystemExit, match='differs with the frame cache'):
        _run(tiny, monkeypatch)
