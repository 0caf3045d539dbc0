"""kNN accuracy of the backbone features, monitored during pre-training."""
import copy
from typing import Dict, Optional, Sequence, Union

from mmengine.dist import broadcast_object_list, get_rank
from mmengine.hooks import Hook
from torch.utils.data import DataLoader

from mmvssl.apis.features import extract_features
from mmvssl.evaluation.functional import knn_accuracy
from mmvssl.registry import HOOKS


def build_hook_dataloader(runner, dataloader: Union[dict, DataLoader]):
    """Build a dataloader config with the runner's seed; an unshuffled
    ``DefaultSampler`` is used when the config names no sampler."""
    if isinstance(dataloader, DataLoader) or not isinstance(dataloader, dict):
        return dataloader
    cfg = copy.deepcopy(dataloader)
    cfg.setdefault('sampler', dict(type='DefaultSampler', shuffle=False))
    cfg.setdefault('num_workers', 0)
    return runner.build_dataloader(cfg, seed=runner.seed)


@HOOKS.register_module()
class KNNMonitorHook(Hook):
    """Weighted kNN top-1/top-5 of val features against train features.

    Every ``interval`` epochs (``by_epoch=True``) or iterations, and after
    the last one, the hook extracts one L2-normalised feature per video of a
    labelled ``train_dataloader`` (the kNN memory) and ``val_dataloader``
    and classifies each val video by its ``k`` nearest train videos (cosine
    similarity), each voting with weight ``exp(sim / temperature)``
    (InstDisc, Wu et al. 2018; ``k=20``, ``temperature=0.07``) or 1
    (``weighting='majority'``); a tie between classes goes to the lower
    class id. Train videos without a label (-1) are skipped.

    Features (``mode='extract_feat'``, the default): ``model.data_
    preprocessor`` then ``model.extract_feat(inputs)``; of what it returns
    the first view (list) and the ``'global'`` branch (dict) are taken,
    globally average pooled and L2-normalised (see
    :func:`mmvssl.apis.pool_features`). Every mmvssl algorithm
    (``BaseSSLAlgorithm``) has this interface. ``mode='predict'`` reads
    ``data_sample.feats`` from ``model.test_step`` instead.

    The results go to the message hub (``knn/top1``, ``knn/top5``), the
    visualizer backends (TensorBoard, W&B, ...) and the log.

    Args:
        train_dataloader (dict | DataLoader): labelled memory split; a
            config is built with ``runner.build_dataloader`` (unshuffled
            ``DefaultSampler`` unless it names a sampler). Use the
            evaluation pipeline (one centred clip).
        val_dataloader (dict | DataLoader): labelled query split.
        interval (int): evaluate every ``interval`` epochs / iterations.
        by_epoch (bool): count epochs (True) or iterations.
        k (int): neighbours. Defaults to 20.
        temperature (float): of the ``exp`` weights. Defaults to 0.07.
        weighting (str): ``'exp'`` or ``'majority'``.
        topk (Sequence[int]): accuracies to report. Defaults to (1, 5).
        mode (str): ``'extract_feat'`` or ``'predict'``.
        before_train (bool): also evaluate before training (the baseline of
            the initialised network). Defaults to False.
        prefix (str): message-hub key prefix. Defaults to ``'knn'``.
    """
    priority = 'LOW'

    def __init__(self,
                 train_dataloader: Union[dict, DataLoader],
                 val_dataloader: Union[dict, DataLoader],
                 interval: int = 1,
                 by_epoch: bool = True,
                 k: int = 20,
                 temperature: float = 0.07,
                 weighting: str = 'exp',
                 topk: Sequence[int] = (1, 5),
                 mode: str = 'extract_feat',
                 before_train: bool = False,
                 prefix: str = 'knn') -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if weighting not in ('exp', 'majority'):
            raise ValueError("weighting must be 'exp' or 'majority', got "
                             f'{weighting!r}')
        self.train_dataloader = train_dataloader
        self.val_dataloader = val_dataloader
        self.interval = interval
        self.by_epoch = by_epoch
        self.k = k
        self.temperature = temperature
        self.weighting = weighting
        self.topk = tuple(topk)
        self.mode = mode
        self.eval_before_train = before_train
        self.prefix = prefix
        self.last_results: Optional[Dict[str, float]] = None

    # ------------------------------------------------------------ triggers
    def before_train(self, runner) -> None:
        if self.eval_before_train:
            self.evaluate(runner, step=0, when='before training')

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or self.is_last_train_epoch(runner)):
            # the loop counts the epoch after this hook: epoch + 1 are done
            self.evaluate(runner, step=runner.epoch + 1,
                          when=f'epoch {runner.epoch + 1}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not self.by_epoch and (
                self.every_n_train_iters(runner, self.interval)
                or self.is_last_train_iter(runner)):
            self.evaluate(runner, step=runner.iter + 1,
                          when=f'iter {runner.iter + 1}')

    # ---------------------------------------------------------- evaluation
    def _loaders(self, runner):
        self.train_dataloader = build_hook_dataloader(runner,
                                                      self.train_dataloader)
        self.val_dataloader = build_hook_dataloader(runner,
                                                    self.val_dataloader)
        return self.train_dataloader, self.val_dataloader

    def compute(self, train_feats, train_labels, val_feats,
                val_labels) -> Dict[str, float]:
        """kNN accuracies (percent) from extracted features."""
        keep = train_labels >= 0
        if not keep.any():
            raise ValueError('KNNMonitorHook: the train split has no labels')
        return knn_accuracy(
            val_feats, val_labels, train_feats[keep], train_labels[keep],
            k=self.k, temperature=self.temperature,
            weighting=self.weighting, topk=self.topk)

    def evaluate(self, runner, step: Optional[int] = None,
                 when: str = '') -> Dict[str, float]:
        """Extract, classify, log; returns ``{'knn/top1': ...}``."""
        train_loader, val_loader = self._loaders(runner)
        train_feats, train_labels = extract_features(
            runner.model, train_loader, mode=self.mode)
        val_feats, val_labels = extract_features(
            runner.model, val_loader, mode=self.mode)
        results = [None]
        if get_rank() == 0:
            results = [self.compute(train_feats, train_labels, val_feats,
                                    val_labels)]
        broadcast_object_list(results)
        results = {f'{self.prefix}/{k}': v for k, v in results[0].items()}
        for key, value in results.items():
            runner.message_hub.update_scalar(key, value)
        if step is None:
            step = runner.epoch if self.by_epoch else runner.iter
        runner.visualizer.add_scalars(results, step=step)
        runner.logger.info(
            f'kNN monitor ({when or step}, k={self.k}, {self.weighting}): ' +
            ', '.join(f'{k}: {v:.2f}' for k, v in results.items()))
        self.last_results = results
        return results
