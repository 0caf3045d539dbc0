"""SeededSampler: a sample's augmentations are a function of (seed, epoch,
index) alone -- the same after a resume, with any worker count."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler, pseudo_collate
from torch.utils.data import DataLoader

from mmvssl.datasets import SeededIndex, SeededSampler, sample_seed
from mmvssl.registry import DATA_SAMPLERS, DATASETS
from video_utils import make_video_list

VIEW = [
    dict(type='ClipRandomResizedCrop', scale=32, area_range=(0.3, 1.0)),
    dict(type='ClipFlip', flip_ratio=0.5),
    dict(type='ClipColorJitter', brightness=0.4, contrast=0.4,
         saturation=0.4, hue=0.1, prob=0.8),
]


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('seeded')
    ann = make_video_list(str(root), [48, 40, 56, 44, 52, 60])
    return DATASETS.build(
        dict(
            type='MultiViewVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=str(root)),
            clip_sampler=dict(
                type='TemporalIntervalSampler',
                clip_len=4,
                frame_interval=2,
                num_clips=2,
                max_interval=20),
            views=[
                dict(name='view0', pipeline=VIEW),
                dict(name='view1', pipeline=VIEW)
            ]))


def test_seeded_index_is_an_int_that_keeps_its_seed():
    i = SeededIndex(5, seed=123)
    assert i == 5 and isinstance(i, int) and [0, 1, 2, 3, 4, 5, 6][i] == 5
    j = pickle.loads(pickle.dumps(i))  # what a worker's index queue does
    assert type(j) is SeededIndex and j == 5 and j.seed == 123
    assert 'seed=123' in repr(i)


def test_sampler_order_is_default_samplers_and_seeds_change_per_epoch():
    data = list(range(10))
    assert DATA_SAMPLERS.get('SeededSampler') is SeededSampler
    ours = SeededSampler(data, shuffle=True, seed=7)
    ref = DefaultSampler(data, shuffle=True, seed=7)
    seeds = {}
    for epoch in (0, 1):
        ours.set_epoch(epoch)
        ref.set_epoch(epoch)
        got = list(ours)
        assert [int(i) for i in got] == list(ref)
        assert all(i.seed == sample_seed(7, epoch, i) for i in got)
        seeds[epoch] = {int(i): i.seed for i in got}
    assert all(seeds[0][k] != seeds[1][k] for k in seeds[0])
    assert len(set(seeds[0].values())) == len(data)
    assert sample_seed(7, 0, 1) != sample_seed(8, 0, 1)


def _tensors(x):
    """Every tensor of a (nested) batch, in order."""
    if torch.is_tensor(x):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _tensors(v)]
    return []


def _epoch(dataset, epoch, workers, persistent=False, loader=None):
    """Pixel checksums of every view of every sample of one epoch."""
    if loader is None:
        sampler = SeededSampler(dataset, shuffle=True, seed=3)
        loader = DataLoader(dataset, batch_size=2, sampler=sampler,
                            num_workers=workers, collate_fn=pseudo_collate,
                            persistent_workers=persistent and workers > 0)
    loader.sampler.set_epoch(epoch)
    sums = [float(t.double().sum()) for batch in loader
            for t in _tensors(batch['inputs'])]
    assert len(sums) == 2 * len(dataset)  # two views per sample
    return sums, loader


def _sample(dataset, idx):
    """Pixels of every view of a sample, as one float64 vector."""
    s = dataset[idx]
    inputs = s['inputs']
    views = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return np.concatenate(
        [torch.as_tensor(v).double().flatten().numpy() for v in views])


def test_dataset_runs_a_seeded_index_under_its_seed(dataset):
    a = _sample(dataset, SeededIndex(2, seed=11))
    np.random.seed(0)
    torch.manual_seed(0)
    b = _sample(dataset, SeededIndex(2, seed=11))
    c = _sample(dataset, SeededIndex(2, seed=12))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # the caller's generators are left as they were
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    _sample(dataset, SeededIndex(2, seed=11))
    assert np.random.random() == before


def test_resume_and_worker_count_do_not_change_the_augmentations(dataset):
    # uninterrupted: epochs 0 and 1 through one persistent 2-worker loader
    full0, loader = _epoch(dataset, 0, workers=2, persistent=True)
    full1, _ = _epoch(dataset, 1, workers=2, loader=loader)
    # "resumed" at epoch 1: a fresh loader (workers restart their streams)
    resumed1, _ = _epoch(dataset, 1, workers=2, persistent=True)
    # another worker count
    single1, _ = _epoch(dataset, 1, workers=0)
    assert resumed1 == full1
    assert single1 == full1
    assert full0 != full1  # new draws every epoch
