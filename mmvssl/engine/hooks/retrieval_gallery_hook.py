"""Extract the retrieval gallery before a val / test loop."""
import copy
from typing import Optional, Union

from mmengine.config import ConfigDict
from mmengine.hooks import Hook
from torch.utils.data import DataLoader

from mmvssl.apis.features import extract_features
from mmvssl.registry import HOOKS
from .knn_monitor_hook import build_hook_dataloader


@HOOKS.register_module()
class RetrievalGalleryHook(Hook):
    """Give every :class:`RetrievalMetric` of a loop its gallery.

    Before the test loop (and the val loop, ``on_val=True``) that evaluates
    a ``RetrievalMetric``, the hook extracts the gallery split with the
    runner's model (``model.test_step`` and ``data_sample.feats``, the same
    path as the queries; ``mode='extract_feat'`` is the alternative, see
    :func:`mmvssl.apis.extract_features`) and calls
    ``metric.set_gallery``. Loops without a ``RetrievalMetric`` are left
    alone.

    The gallery dataloader is either given in full (``dataloader``) or, the
    usual case, derived from the loop's own dataloader config with another
    annotation file, so that queries and gallery share the pipeline::

        test_dataloader = dict(..., dataset=dict(ann_file='..._test_split_1'))
        custom_hooks = [dict(type='RetrievalGalleryHook',
                             ann_file='..._train_split_1.txt')]

    Args:
        dataloader (dict | DataLoader, optional): the gallery dataloader.
        ann_file (str, optional): with ``dataloader=None``: the loop's
            dataloader config with ``dataset.ann_file`` replaced.
        data_prefix (dict, optional): replaces ``dataset.data_prefix`` too.
        mode (str): ``'predict'`` (default) or ``'extract_feat'``.
        on_val (bool): also before val loops. Defaults to True.
    """
    priority = 'NORMAL'

    def __init__(self,
                 dataloader: Union[dict, DataLoader, None] = None,
                 ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None,
                 mode: str = 'predict',
                 on_val: bool = True) -> None:
        if dataloader is None and ann_file is None:
            raise ValueError('RetrievalGalleryHook needs `dataloader` or '
                             '`ann_file` (of the gallery split)')
        self.dataloader = dataloader
        self.ann_file = ann_file
        self.data_prefix = data_prefix
        self.mode = mode
        self.on_val = on_val
        self._loaders = {}

    @staticmethod
    def _metrics(loop):
        from mmvssl.evaluation.metrics import RetrievalMetric
        evaluator = getattr(loop, 'evaluator', None)
        return [m for m in getattr(evaluator, 'metrics', [])
                if isinstance(m, RetrievalMetric)]

    def _gallery_loader(self, runner, split: str):
        if split in self._loaders:
            return self._loaders[split]
        cfg = self.dataloader
        if cfg is None:
            base = runner.cfg.get(f'{split}_dataloader') if runner.cfg \
                else None
            if not isinstance(base, dict):
                raise ValueError(
                    'RetrievalGalleryHook(ann_file=...) derives the gallery '
                    f'from the config\'s {split}_dataloader, which the runner '
                    'does not have; pass `dataloader=` instead')
            cfg = ConfigDict(copy.deepcopy(base))
            cfg.dataset.ann_file = self.ann_file
            if self.data_prefix is not None:
                cfg.dataset.data_prefix = self.data_prefix
        loader = build_hook_dataloader(runner, cfg)
        self._loaders[split] = loader
        return loader

    def _prepare(self, runner, loop, split: str) -> None:
        metrics = self._metrics(loop)
        if not metrics:
            return
        loader = self._gallery_loader(runner, split)
        feats, labels = extract_features(runner.model, loader, mode=self.mode)
        runner.logger.info(
            f'RetrievalGalleryHook: gallery of {split} has '
            f'{len(loader.dataset)} videos')
        for metric in metrics:
            metric.set_gallery(feats, labels)

    def before_val(self, runner) -> None:
        if self.on_val:
            self._prepare(runner, runner.val_loop, 'val')

    def before_test(self, runner) -> None:
        self._prepare(runner, runner.test_loop, 'test')
