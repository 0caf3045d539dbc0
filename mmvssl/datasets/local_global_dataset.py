"""Local-global dataset and per-batch intensity-level groups of controllable
augmentations (Sec. 3.2, 4.4 "Low-level Augmentation Levels").

The paper defines discrete intensity levels of colour jitter and Gaussian
blur (512 combinations by default) and, "in each iteration, we randomly
sample 32 intensity levels from all possible levels, resulting in 32 groups
of features that share similar low-level statistics". A level is a batch
property, so it is drawn where batches are formed:

* :class:`LevelGroupedBatchSampler` (a ``batch_sampler``) draws, for every
  batch, ``num_groups`` distinct level combinations and assigns the samples
  of the batch to them in equal numbers; it yields ``(index, levels)``
  pairs, ``levels = {level_key: combined id}`` (e.g.
  ``{'color_jitter': 37, 'blur': 2}``).
* :class:`LocalGlobalVideoDataset` accepts such pairs and passes the levels
  explicitly to :meth:`MultiViewVideoDataset.prepare_data`, which puts them
  into every view's ``geometry['requested_levels']``, so the levelled
  transforms of all views of the video use them (``docs/data_contract.md``,
  requested levels); the transforms record what they applied in
  ``geometry['levels']``, which is what the loss reads.
"""
import math
from collections import OrderedDict
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmvssl.ops import get_dist_info
from mmvssl.registry import DATA_SAMPLERS, DATASETS
from .multiview_dataset import MultiViewVideoDataset
from .samplers import LocalGlobalSampler


def pipeline_level_space(pipeline) -> 'OrderedDict[str, int]':
    """``level_key -> number of level combinations`` of the levelled
    photometric transforms of a (built) view pipeline, in pipeline order
    (e.g. ``color_jitter: 4 * 4 * 4 * 2 = 128``, ``blur: 2 * 2 = 4``)."""
    space = OrderedDict()
    for t in getattr(pipeline, 'transforms', pipeline):
        key = getattr(t, 'level_key', None)
        params = getattr(t, 'params', None)
        if params is None and hasattr(t, 'param'):
            params = [t.param]
        if key is None or not params:
            continue
        sizes = [p.num_levels for p in params if p.enabled and p.levelled]
        if sizes:
            space[key] = int(np.prod(sizes))
    return space


@DATASETS.register_module()
class LocalGlobalVideoDataset(MultiViewVideoDataset):
    """:class:`MultiViewVideoDataset` with controllable augmentations' views:
    ``global`` (``global_pipeline``) then ``local0 .. local{K-1}`` (all with
    ``local_pipeline``), sampled by :class:`LocalGlobalSampler`.

    Items are indexed by an ``int`` or by ``(index, levels)`` (from
    :class:`LevelGroupedBatchSampler`), which requests the intensity levels
    of all views of that video.

    Args:
        ann_file (str): annotation file (mmaction2 format).
        global_pipeline (list): transforms of the global view.
        local_pipeline (list): transforms of every local clip (crop inside
            the global view with ``ClipRandomResizedCrop(ref_view='global')``).
        num_clips (int): ``K``. Defaults to 4.
        num_frames (int): frames of the global video. Defaults to 16.
        clip_len (int): frames per clip. Defaults to 16.
        frame_interval (int): stride of the clips. Defaults to 1.
        level_space (dict, optional): ``level_key -> number of combined
            levels``; derived from the global pipeline when omitted.
        **kwargs: :class:`MultiViewVideoDataset` arguments (``data_prefix``,
            ``short_video``, ...), except ``clip_sampler``, ``views`` and
            ``view_pipeline``.
    """

    def __init__(self,
                 ann_file: str,
                 global_pipeline: List,
                 local_pipeline: List,
                 num_clips: int = 4,
                 num_frames: int = 16,
                 clip_len: int = 16,
                 frame_interval: int = 1,
                 level_space: Optional[Dict[str, int]] = None,
                 test_mode: bool = False,
                 **kwargs) -> None:
        for key in ('clip_sampler', 'views', 'view_pipeline', 'num_views'):
            if key in kwargs:
                raise ValueError(f'LocalGlobalVideoDataset builds its own '
                                 f'{key!r}; remove it from the config')
        sampler = LocalGlobalSampler(num_frames, clip_len, frame_interval,
                                     num_clips, test_mode)
        views = [dict(name='global', pipeline=global_pipeline)] + [
            dict(name=f'local{k}', pipeline=local_pipeline)
            for k in range(num_clips)
        ]
        super().__init__(
            ann_file,
            clip_sampler=sampler,
            views=views,
            test_mode=test_mode,
            **kwargs)
        self._level_space = None if level_space is None else OrderedDict(
            (str(k), int(v)) for k, v in dict(level_space).items())

    @property
    def level_space(self) -> 'OrderedDict[str, int]':
        """``level_key -> combined levels`` (see
        :func:`pipeline_level_space`)."""
        if self._level_space is not None:
            return self._level_space
        return pipeline_level_space(self.view_pipelines[0])

    def __getitem__(self, idx: Union[int, Tuple[int, Dict[str, int]]]):
        if not isinstance(idx, (tuple, list)):
            return super().__getitem__(idx)
        idx, levels = idx
        if not isinstance(idx, int):  # keep a SeededIndex as it is
            idx = int(idx)
        return super().__getitem__(idx, requested_levels=dict(levels))


@DATA_SAMPLERS.register_module()
class LevelGroupedBatchSampler:
    """Batches whose samples are split evenly among ``num_groups`` intensity
    levels drawn afresh for every batch.

    Batch ``b`` of epoch ``e`` draws ``G = min(num_groups, L)`` distinct
    level combinations out of the ``L = prod(level_space)`` possible ones
    and a random slot permutation, both from
    ``np.random.default_rng([seed, e, b])``; global slot ``p`` (over all
    processes, ``world_size x batch_size``) gets combination ``p mod G``. The
    draw depends only on the shared sampler seed and epoch, so all
    processes use the same ``G`` levels and the *global* batch is split
    evenly (128 videos, 32 levels: 4 videos per level); the process of rank
    ``r`` takes slots ``[r B, (r + 1) B)``.

    Yields lists of ``(index, levels)`` with ``levels = {level_key:
    combined id}`` decoded from the combination (``np.unravel_index`` over
    ``level_space`` sizes), for :class:`LocalGlobalVideoDataset`.

    Args:
        sampler: the index sampler (mmengine's ``DefaultSampler``), whose
            ``dataset.level_space``, ``seed`` and ``epoch`` are used.
        batch_size (int): per process.
        drop_last (bool): Defaults to True.
        num_groups (int): levels per batch. Defaults to 32.
        level_space (dict, optional): overrides ``dataset.level_space``.
    """

    def __init__(self,
                 sampler,
                 batch_size: int,
                 drop_last: bool = True,
                 num_groups: int = 32,
                 level_space: Optional[Dict[str, int]] = None) -> None:
        if batch_size < 1 or num_groups < 1:
            raise ValueError('batch_size and num_groups must be positive, '
                             f'got {batch_size}, {num_groups}')
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last
        self.num_groups = int(num_groups)
        self._level_space = level_space

    @property
    def level_space(self) -> 'OrderedDict[str, int]':
        space = self._level_space
        if space is None:
            space = getattr(getattr(self.sampler, 'dataset', None),
                            'level_space', None)
        if not space:
            raise ValueError(
                'LevelGroupedBatchSampler: no intensity levels; use '
                'LocalGlobalVideoDataset with levelled ClipColorJitter / '
                'ClipGaussianBlur transforms, or give level_space')
        return OrderedDict((str(k), int(v)) for k, v in dict(space).items())

    def assign(self, indices: Sequence[int], batch: int,
               epoch: int) -> List[Tuple[int, Dict[str, int]]]:
        """``(index, levels)`` of the samples of batch ``batch``."""
        space = self.level_space
        keys, sizes = list(space), list(space.values())
        total = int(np.prod(sizes))
        groups = min(self.num_groups, total)
        rank, world = get_dist_info()
        seed = getattr(self.sampler, 'seed', None) or 0
        rng = np.random.default_rng([int(seed), int(epoch), int(batch)])
        pool = rng.choice(total, size=groups, replace=False)
        slots = rng.permutation(world * self.batch_size)
        mine = slots[rank * self.batch_size:rank * self.batch_size +
                     len(indices)]
        combos = pool[mine % groups]
        out = []
        for idx, c in zip(indices, combos):
            ids = np.unravel_index(int(c), sizes)
            out.append((idx, {k: int(i) for k, i in zip(keys, ids)}))
        return out

    def __iter__(self) -> Iterator[List[Tuple[int, Dict[str, int]]]]:
        epoch = int(getattr(self.sampler, 'epoch', 0) or 0)
        batch, b = [], 0
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield self.assign(batch, b, epoch)
                batch, b = [], b + 1
        if batch and not self.drop_last:
            yield self.assign(batch, b, epoch)

    def __len__(self) -> int:
        n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)
