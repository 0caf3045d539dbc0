"""Video retrieval recall (R@k) and kNN classification of features.

Both functions are pure: numpy arrays or torch tensors in, python numbers /
arrays out; no registry and no runner involved.
"""
from typing import Dict, Sequence, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def _as_numpy(x: ArrayLike, dtype=None) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    return x.astype(dtype) if dtype is not None else x


def _features(x: ArrayLike, name: str) -> np.ndarray:
    x = _as_numpy(x, np.float64)
    if x.ndim != 2:
        raise ValueError(f'{name} must be (N, C), got shape {x.shape}')
    return x


def _labels(y: ArrayLike, n: int, name: str) -> np.ndarray:
    y = _as_numpy(y).reshape(-1)
    if y.shape[0] != n:
        raise ValueError(f'{name} has {y.shape[0]} entries for {n} features')
    return y.astype(np.int64)


def l2_normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows divided by their L2 norm (zero rows stay zero)."""
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norm, eps)


def rank_gallery(query_feats: ArrayLike,
                 gallery_feats: ArrayLike,
                 mean_center: bool = False,
                 chunk_size: int = 1024) -> np.ndarray:
    """Gallery indices of every query, most similar first.

    Similarity is the cosine similarity: features are (optionally centred,
    see :func:`retrieval_recall`) L2-normalised and compared by dot product.
    Ties are broken deterministically by the gallery index: a stable sort
    of the negated similarities puts the lower gallery index first.

    Returns:
        np.ndarray: ``(Q, G)`` int64 ranking.
    """
    q = _features(query_feats, 'query_feats')
    g = _features(gallery_feats, 'gallery_feats')
    if q.shape[1] != g.shape[1]:
        raise ValueError(f'query features have {q.shape[1]} channels, '
                         f'gallery features {g.shape[1]}')
    if mean_center:
        mean = g.mean(axis=0, keepdims=True)
        q, g = q - mean, g - mean
    q, g = l2_normalize(q), l2_normalize(g)
    ranks = np.empty((q.shape[0], g.shape[0]), dtype=np.int64)
    for start in range(0, q.shape[0], chunk_size):
        sim = q[start:start + chunk_size] @ g.T
        ranks[start:start + chunk_size] = np.argsort(
            -sim, axis=1, kind='stable')
    return ranks


def retrieval_recall(query_feats: ArrayLike,
                     query_labels: ArrayLike,
                     gallery_feats: ArrayLike,
                     gallery_labels: ArrayLike,
                     topk: Sequence[int] = (1, 5, 10, 20, 50),
                     mean_center: bool = False) -> Dict[str, float]:
    """Recall at k of video retrieval (the CoCLR / VCOP protocol).

    Every query (e.g. a test-split video) ranks all gallery videos (e.g. the
    train split) by cosine similarity; it is a hit at ``k`` when at least one
    of its ``k`` nearest gallery videos has the query's label. ``R@k`` is the
    percentage of hits over all queries.

    Conventions:

    * **Similarity**: cosine, i.e. dot product of L2-normalised features.
    * **Mean centring** (``mean_center=True``): the mean of the *gallery*
      features, as given (before any normalisation), is subtracted from both
      query and gallery features, which are then L2-normalised. The query
      set does not influence the centre, so adding queries never changes
      another query's result.
    * **Ties**: equally similar gallery videos are ranked by gallery index
      (lower first; stable sort), so the result is deterministic.
    * **k larger than the gallery** is clipped to the gallery size (every
      gallery video is then retrieved); the key keeps the requested ``k``.

    Args:
        query_feats: ``(Q, C)`` numpy array or tensor.
        query_labels: ``(Q,)`` integer labels.
        gallery_feats: ``(G, C)`` features.
        gallery_labels: ``(G,)`` integer labels.
        topk (Sequence[int]): the ``k`` values. Defaults to
            ``(1, 5, 10, 20, 50)``.
        mean_center (bool): centre by the gallery mean first.

    Returns:
        dict: ``{'R@1': float, ...}`` in percent (0-100).
    """
    if isinstance(topk, int):
        topk = (topk, )
    topk = tuple(int(k) for k in topk)
    if not topk or min(topk) < 1:
        raise ValueError(f'topk must be positive integers, got {topk}')
    q = _features(query_feats, 'query_feats')
    g = _features(gallery_feats, 'gallery_feats')
    ql = _labels(query_labels, q.shape[0], 'query_labels')
    gl = _labels(gallery_labels, g.shape[0], 'gallery_labels')
    if q.shape[0] == 0 or g.shape[0] == 0:
        raise ValueError('retrieval needs at least one query and one '
                         f'gallery video, got {q.shape[0]} and {g.shape[0]}')
    ranks = rank_gallery(q, g, mean_center=mean_center)
    match = gl[ranks] == ql[:, None]  # (Q, G), in ranked order
    # first_hit[i]: rank (0-based) of the first correct gallery video
    has_hit = match.any(axis=1)
    first_hit = np.where(has_hit, match.argmax(axis=1), np.iinfo(np.int64).max)
    out = {}
    for k in topk:
        k_eff = min(k, g.shape[0])
        out[f'R@{k}'] = float((first_hit < k_eff).mean() * 100.0)
    return out


def knn_classify(query_feats: ArrayLike,
                 gallery_feats: ArrayLike,
                 gallery_labels: ArrayLike,
                 k: int = 20,
                 temperature: float = 0.07,
                 weighting: str = 'exp',
                 num_classes: int = None,
                 chunk_size: int = 1024) -> np.ndarray:
    """Class scores of a weighted kNN classifier (InstDisc, Wu et al. 2018).

    Features are L2-normalised; the ``k`` gallery samples most similar by
    cosine similarity vote for their labels (ties between neighbours by
    gallery index, as in :func:`rank_gallery`) with weight
    ``exp(sim / temperature)`` (``weighting='exp'``) or 1
    (``weighting='majority'``).

    Returns:
        np.ndarray: ``(Q, num_classes)`` float64 vote scores; ``argmax``
        (first maximum, i.e. the lowest class id on a tie) is the prediction.
    """
    if weighting not in ('exp', 'majority'):
        raise ValueError(f"weighting must be 'exp' or 'majority', got "
                         f'{weighting!r}')
    q = l2_normalize(_features(query_feats, 'query_feats'))
    g = l2_normalize(_features(gallery_feats, 'gallery_feats'))
    gl = _labels(gallery_labels, g.shape[0], 'gallery_labels')
    if g.shape[0] == 0:
        raise ValueError('kNN needs a non-empty gallery')
    if gl.min() < 0:
        raise ValueError('kNN gallery labels must be >= 0 (unlabelled '
                         'samples have label -1)')
    if num_classes is None:
        num_classes = int(gl.max()) + 1
    k = min(int(k), g.shape[0])
    scores = np.zeros((q.shape[0], num_classes), dtype=np.float64)
    for start in range(0, q.shape[0], chunk_size):
        sim = q[start:start + chunk_size] @ g.T
        idx = np.argsort(-sim, axis=1, kind='stable')[:, :k]
        top_sim = np.take_along_axis(sim, idx, axis=1)
        weight = np.exp(top_sim / temperature) if weighting == 'exp' \
            else np.ones_like(top_sim)
        rows = np.repeat(np.arange(idx.shape[0]), k)
        np.add.at(scores[start:start + chunk_size], (rows, gl[idx].ravel()),
                  weight.ravel())
    return scores


def knn_accuracy(query_feats: ArrayLike,
                 query_labels: ArrayLike,
                 gallery_feats: ArrayLike,
                 gallery_labels: ArrayLike,
                 k: int = 20,
                 temperature: float = 0.07,
                 weighting: str = 'exp',
                 topk: Sequence[int] = (1, )) -> Dict[str, float]:
    """Top-k accuracy (percent) of :func:`knn_classify`:
    ``{'top1': ..., 'top5': ...}``; class ties resolve to the lower id."""
    gl = _labels(gallery_labels, len(gallery_feats), 'gallery_labels')
    ql = _labels(query_labels, len(query_feats), 'query_labels')
    num_classes = int(max(gl.max(), ql.max())) + 1
    scores = knn_classify(query_feats, gallery_feats, gl, k=k,
                          temperature=temperature, weighting=weighting,
                          num_classes=num_classes)
    order = np.argsort(-scores, axis=1, kind='stable')
    out = {}
    for t in topk:
        hit = (order[:, :t] == ql[:, None]).any(axis=1)
        out[f'top{t}'] = float(hit.mean() * 100.0)
    return out
