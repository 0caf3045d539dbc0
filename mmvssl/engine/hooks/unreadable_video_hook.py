"""Summary and persistent list of the unreadable videos of a training run."""
import logging
import os
import os.path as osp
from typing import Dict, List, Optional

from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmvssl.registry import HOOKS

LIST_NAME = 'unreadable_videos.txt'


def _find_video_datasets(dataset, found=None) -> List:
    """The datasets with an unreadable-video table inside ``dataset``
    (through mmengine's wrappers: ``.dataset`` / ``.datasets``)."""
    found = [] if found is None else found
    if hasattr(dataset, 'mark_unreadable') and hasattr(
            dataset, 'unreadable_videos'):
        found.append(dataset)
        return found
    inner = getattr(dataset, 'datasets', None)
    if isinstance(inner, (list, tuple)):
        for d in inner:
            _find_video_datasets(d, found)
    elif getattr(dataset, 'dataset', None) is not None:
        _find_video_datasets(dataset.dataset, found)
    return found


def read_unreadable_list(path: str) -> Dict[str, str]:
    """``{video: reason}`` from an ``unreadable_videos.txt``
    (``path<TAB>reason`` lines; ``#`` comments)."""
    out = {}
    if not osp.isfile(path):
        return out
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            name, _, reason = line.partition('\t')
            out[name] = reason or 'unreadable'
    return out


@HOOKS.register_module()
class UnreadableVideoHook(Hook):
    """Report the videos the training data could not read.

    :class:`~mmvssl.datasets.MultiViewVideoDataset` replaces an unreadable
    video by another sample and remembers it for the run (it is never
    decoded again). This hook, on every rank:

    * at the end of every epoch (for iteration-based loops: every
      ``len(train_dataloader)`` iterations) shares what the ranks learned
      (so no rank retries a video another rank found bad), logs one line
      (new and known unreadable videos, samples replaced) when there are
      any, and writes the list to ``work_dir/unreadable_videos.txt``
      (``path<TAB>reason``, written atomically by rank 0);
    * before training, when the run resumes, reads that list back, so the
      videos stay skipped after ``--resume``. A fresh run starts a new list.

    ``tools/train.py`` adds this hook to every config that lacks it.
    """

    priority = 'LOW'

    def __init__(self, interval: Optional[int] = None) -> None:
        self.interval = interval  # iterations between summaries (iter loops)
        self._datasets = []
        self._listed: Dict[str, str] = {}
        self._replaced_before = 0
        self._path = None

    # -------------------------------------------------------------- setup
    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        self._datasets = _find_video_datasets(getattr(loader, 'dataset',
                                                      None))
        self._path = osp.join(runner.work_dir, LIST_NAME)
        self._listed = {}
        if not self._datasets:
            return
        if not getattr(runner, '_resume', False):
            if is_main_process() and osp.isfile(self._path):
                os.remove(self._path)  # a fresh run starts a new list
        else:
            self._listed = read_unreadable_list(self._path)
            if self._listed:
                for ds in self._datasets:
                    ds.mark_unreadable(self._listed)
                print_log(
                    f'UnreadableVideoHook: {len(self._listed)} video(s) '
                    f'listed in {self._path} are skipped in this run',
                    logger='current', level=logging.WARNING)
        self._replaced_before = self._replaced(runner)
        if self.interval is None:
            try:
                self.interval = max(1, len(loader))
            except TypeError:
                self.interval = 1000

    def _replaced(self, runner) -> int:
        return sum(ds.replaced_count() for ds in self._datasets)

    # ---------------------------------------------------------- summaries
    def after_train_epoch(self, runner) -> None:
        self._summarise(runner, f'epoch {runner.epoch + 1}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if runner.train_loop.__class__.__name__.startswith('EpochBased'):
            return
        if self.interval and (runner.iter + 1) % self.interval == 0:
            self._summarise(runner, f'iter {runner.iter + 1}')

    def after_train(self, runner) -> None:
        if not runner.train_loop.__class__.__name__.startswith('EpochBased'):
            self._summarise(runner, 'end of training')

    def _gather(self) -> Dict[str, str]:
        known = {}
        for ds in self._datasets:
            for name, reason in ds.unreadable_videos().values():
                known.setdefault(name, reason)
        return known

    def _summarise(self, runner, when: str) -> None:
        if not self._datasets:
            return
        known = self._gather()
        replaced = self._replaced(runner) - self._replaced_before
        self._replaced_before += replaced
        if get_world_size() > 1:
            gathered = all_gather_object((known, replaced))
            known, replaced = {}, 0
            for k, r in gathered:
                for name, reason in k.items():
                    known.setdefault(name, reason)
                replaced += r
            for ds in self._datasets:  # what another rank found bad
                ds.mark_unreadable(known)
        new = {n: r for n, r in known.items() if n not in self._listed}
        total = dict(self._listed)
        total.update(new)
        if not total and not replaced:
            return
        self._listed = total
        if new and is_main_process():
            from mmvssl.utils.compat import atomic_write_text
            lines = ['# videos that could not be read (path<TAB>reason); '
                     'mmvssl skips them for the rest of the run and after '
                     '--resume']
            lines += [f'{n}\t{r}' for n, r in sorted(total.items())]
            atomic_write_text('\n'.join(lines) + '\n', self._path)
        print_log(
            f'Unreadable videos ({when}): {len(new)} new, {len(total)} known '
            f'and skipped, {replaced} sample(s) replaced; list: {self._path}',
            logger='current',
            level=logging.WARNING if new else logging.INFO)
