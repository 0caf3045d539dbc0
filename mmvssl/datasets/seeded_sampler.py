"""Per-sample seeds: the augmentations of sample ``i`` in epoch ``e`` are a
function of ``(seed, e, i)`` alone.

mmengine seeds each dataloader worker once (``worker_init_fn``: seed + worker
id), so what a sample's random transforms draw depends on which worker
processed it and on everything that worker processed before. A pretraining
resumed from a checkpoint restarts the workers' streams (with
``persistent_workers=True`` it replays epoch 0's), and changing
``num_workers`` changes every augmentation. :class:`SeededSampler` is
mmengine's ``DefaultSampler`` (same order, same ``set_epoch``) whose indices
carry a seed; :class:`~mmvssl.datasets.MultiViewVideoDataset` runs the
sample under that seed (Python ``random``, NumPy's global generator and
torch's CPU generator, restored afterwards), so a resumed run, or one with
another worker count, sees the same clips, crops and colours as an
uninterrupted one.
"""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch
from mmengine.dataset import DefaultSampler

from mmvssl.registry import DATA_SAMPLERS


class SeededIndex(int):
    """A dataset index carrying the seed of its sample (``.seed``); an
    ``int`` everywhere else (indexing, comparisons, pickling)."""

    def __new__(cls, value: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, int(value))
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)

    def __repr__(self) -> str:
        return f'SeededIndex({int(self)}, seed={self.seed})'


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed of ``(seed, epoch, index)`` (NumPy ``SeedSequence``:
    nearby inputs give unrelated seeds)."""
    ss = np.random.SeedSequence([int(seed) % 2**32, int(epoch), int(index)])
    return int(ss.generate_state(1)[0])


@contextmanager
def seeded_rngs(seed: int):
    """Run a block with Python's, NumPy's and torch's global generators
    seeded by ``seed``; their previous states are restored afterwards, so
    the caller's streams (e.g. the model's, with ``num_workers=0``) are
    untouched."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` whose indices are :class:`SeededIndex` es with
    ``seed = sample_seed(self.seed, self.epoch, index)``.

    Args: as mmengine's ``DefaultSampler`` (``shuffle``, ``seed``,
    ``round_up``); ``seed=None`` takes the runner's (synchronised) seed.
    """

    def __iter__(self) -> Iterator[SeededIndex]:
        for idx in super().__iter__():
            yield SeededIndex(idx, sample_seed(self.seed, self.epoch, idx))
