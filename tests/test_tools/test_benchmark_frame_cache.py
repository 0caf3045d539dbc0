"""tools/analysis/benchmark_frame_cache.py: cached vs decoded samples."""
import os
import os.path as osp
import sys

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import benchmark_frame_cache as B  # noqa: E402


def _run(tiny, monkeypatch):
    monkeypatch.setenv('MMVSSL_SYNTHETIC_ROOT', tiny)
    B.main(['--data-root', tiny, '--num-videos', '3', '--repeats', '2'])


def _entries(folder):
    return sorted(os.listdir(folder)) if osp.isdir(folder) else []


def test_reports_identical_samples_and_the_ratio(tiny, monkeypatch, capsys):
    root_cache = osp.join(tiny, '.frame_cache')
    before = _entries(root_cache)  # other tests may have filled it
    _run(tiny, monkeypatch)
    out = capsys.readouterr().out
    assert 'identical samples: yes' in out
    ratio = float(out.strip().splitlines()[-1].rsplit(' ', 1)[1][:-1])
    assert ratio > 0
    # the benchmark's own cache is temporary: the data root's is untouched
    assert _entries(root_cache) == before


def test_a_cache_that_changes_pixels_is_caught(tiny, monkeypatch):
    from mmvssl.datasets import video_readers as R
    real = R._CachedVideo.get_frames

    def off_by_one(self, inds):
        return real(self, inds) ^ np.uint8(1)

    monkeypatch.setattr(R._CachedVideo, 'get_frames', off_by_one)
    with pytest.raises(SystemExit, match='differs with the frame cache'):
        _run(tiny, monkeypatch)
