"""Feature extraction for monitors and evaluation (kNN, retrieval)."""
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import collect_results
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmvssl.ops import pool_feature, select_feature

EXTRACT_MODES = ('predict', 'extract_feat')


def _select(feat: Any) -> Tensor:
    """The backbone output of the first view in what a model's
    ``extract_feat`` returns: the first element of a list / tuple (the
    first view of an mmvssl algorithm, or ``Recognizer3D.extract_feat``'s
    ``(feats, kwargs)``), then :func:`mmvssl.ops.select_feature` (the
    ``'global'`` entry of a dict, the deepest of several stage outputs)."""
    while isinstance(feat, (list, tuple)):
        if not feat:
            raise ValueError('the model returned no features')
        feat = feat[0]
    if isinstance(feat, dict) and not feat:
        raise ValueError('the model returned no features')
    return select_feature(feat)


def pool_features(feat: Any, batch_size: Optional[int] = None) -> Tensor:
    """Global-average-pooled, L2-normalised ``(B, C)`` features.

    ``feat`` is what ``extract_feat`` returns (see :func:`_select`); every
    dimension after the channel one is averaged
    (:func:`mmvssl.ops.pool_feature`, the pooling helper of the heads and
    algorithms too). When the model folded
    several clips / crops of each video into the batch (``B * N`` rows for
    ``batch_size=B``), the ``N`` normalised clip features of a video are
    averaged and normalised again.
    """
    x = pool_feature(_select(feat).float())
    if x.dim() == 1:
        x = x[None]
    x = F.normalize(x, dim=1)
    if batch_size is not None and x.shape[0] != batch_size:
        if x.shape[0] % batch_size:
            raise ValueError(f'{x.shape[0]} feature rows for a batch of '
                             f'{batch_size} samples')
        x = F.normalize(x.view(batch_size, -1, x.shape[1]).mean(1), dim=1)
    return x


def sample_label(data_sample) -> int:
    """The integer ``gt_label`` of a data sample (-1 when it has none)."""
    label = data_sample.get('gt_label', None) if hasattr(
        data_sample, 'get') else getattr(data_sample, 'gt_label', None)
    if label is None:
        return -1
    if isinstance(label, Tensor):
        return int(label.reshape(-1)[0]) if label.numel() else -1
    if isinstance(label, (list, tuple, np.ndarray)):
        return int(np.asarray(label).reshape(-1)[0])
    return int(label)


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


@torch.no_grad()
def _batch_features(model: nn.Module, data_batch: dict, mode: str,
                    feat_key: str) -> Tuple[Tensor, List[int]]:
    if mode == 'predict':
        samples = model.test_step(data_batch)
        feats = []
        for ds in samples:
            if feat_key not in ds:
                raise KeyError(
                    f'{type(model).__name__}.predict did not store '
                    f'{feat_key!r} in the data samples; use a model that '
                    "does (VideoFeatureExtractor, mmvssl algorithms) or "
                    "mode='extract_feat'")
            feats.append(torch.as_tensor(ds.get(feat_key)).reshape(-1))
        feats = F.normalize(torch.stack(feats).float(), dim=1)
        return feats, [sample_label(ds) for ds in samples]
    data = model.data_preprocessor(data_batch, False)
    samples = data.get('data_samples') or data_batch.get('data_samples')
    batch = len(samples) if samples is not None else None
    feats = pool_features(model.extract_feat(data['inputs']), batch)
    labels = [sample_label(ds) for ds in samples] if samples is not None \
        else [-1] * feats.shape[0]
    return feats, labels


def extract_features(model: nn.Module,
                     dataloader: Sequence,
                     mode: str = 'predict',
                     feat_key: str = 'feats',
                     dataset_size: Optional[int] = None,
                     ) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """L2-normalised video features and labels of a whole dataloader.

    Two ways to get a sample's feature:

    * ``mode='predict'``: ``model.test_step(batch)`` and the
      ``data_sample.<feat_key>`` it stores (``VideoFeatureExtractor``, and
      ``BaseSSLAlgorithm.predict`` store ``feats``);
    * ``mode='extract_feat'``: ``model.data_preprocessor`` then
      ``model.extract_feat(inputs)``, pooled by :func:`pool_features`
      (first view / ``'global'`` branch, global average pooling, L2).

    The model is put in eval mode for the pass and its previous mode is
    restored. In a distributed run every rank extracts its shard of the
    (unshuffled) dataloader and the results are gathered, in dataset order,
    on rank 0; the other ranks return ``(None, None)``.

    Returns:
        tuple: ``feats`` float32 ``(N, C)`` and ``labels`` int64 ``(N,)``
        (``-1`` for unlabelled samples).
    """
    if mode not in EXTRACT_MODES:
        raise ValueError(f'mode must be one of {EXTRACT_MODES}, got {mode!r}')
    model = _unwrap(model)
    was_training = model.training
    model.eval()
    results = []
    try:
        for data_batch in dataloader:
            feats, labels = _batch_features(model, data_batch, mode,
                                            feat_key)
            feats = feats.cpu().numpy().astype(np.float32)
            results.extend(zip(feats, labels))
    finally:
        model.train(was_training)
    if dataset_size is None:
        dataset = getattr(dataloader, 'dataset', None)
        dataset_size = len(dataset) if dataset is not None else len(results)
    results = collect_results(results, dataset_size, device='cpu')
    if results is None:  # not rank 0
        return None, None
    if not results:
        raise ValueError('the dataloader yielded no samples')
    feats = np.stack([r[0] for r in results])
    labels = np.asarray([r[1] for r in results], dtype=np.int64)
    return feats, labels
