"""Soft spatio-temporal correspondence between feature tubes of two views.

Controllable augmentations (Qian et al., ECCV 2022), Eq. 1 and supplement
Sec. 2: every cell of a ``T x H x W`` feature map is a *tube* of the source
video, and the correspondence of query cell ``i`` (a local clip) with key
cell ``j`` (the global video) is

    S(i, j) = vol(tube_i  intersect  tube_j) / vol(tube_i).

How a cell becomes a tube (everything is read from the geometry records,
``docs/data_contract.md``; nothing is re-derived by other means):

* **Space.** The ``H x W`` grid splits the view's ``img_shape`` evenly
  (cell ``x`` covers view pixels ``[x w / W, (x + 1) w / W)``). The view's
  corners are mapped back to source pixels with
  :func:`mmvssl.structures.view_to_source_points` (crop, resize and flip of
  the record; one call per record) and the cell boundaries interpolated
  between them (the mapping is affine along each axis). Rotated views are
  refused.
* **Time.** View frame ``f`` stands for the source interval
  ``frame_spans[f]`` when its record carries ``frame_spans`` (``(T, 2)``
  ``[start, end)`` in source frames; :class:`LocalGlobalSampler` writes it
  for the global video: frame ``i`` of ``n`` evenly spaced frames represents
  the segment ``[i T / n, (i + 1) T / n)`` it was drawn from, so the global
  video tiles the whole video), otherwise ``[frame_inds[f], frame_inds[f] +
  playback_rate)`` (a clip: each frame plus the frames its stride skips).
  Spans are clipped to ``[0, total_frames)``. The ``T`` cells split the
  view's frames evenly (cell ``t`` holds frames ``[t n / T, (t + 1) n / T)``,
  fractionally when ``T`` does not divide ``n``).

The spatial box of a tube is the same in all its frames, so a tube is
``(union of its frames' spans) x box`` and the intersection volume factorises
into time x height x width, as in the supplement's Eq. 1-4. The temporal
factor is accumulated frame by frame (``sum_{f in i, g in j} |span_f cap
span_g|``), which equals the supplement's ``max(min(t2) - max(t1), 0)`` for
contiguous tubes and stays exact for looped (short-video) clips, whose frames
wrap around. Hence ``S_k = R_t (x) R_y (x) R_x``: three small ratio matrices
per (video, clip), computed for the whole batch at once and combined by a
broadcast product; no Python loop touches a cell (the only loop reads the
records).

Row sums: ``sum_j S(i, j)`` is the fraction of tube ``i`` inside the key view
(``coverage``). It is 1 when the clip lies inside the global view (the
local crops of :class:`ClipRandomResizedCrop` with ``ref_view`` and the
global ``frame_spans`` guarantee it) and smaller otherwise; what a loss does
with such rows is the loss's choice (see ``soft_info_nce``).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from mmvssl.structures import view_to_source_points

__all__ = [
    'frame_spans', 'cell_membership', 'view_corners', 'cell_boundaries',
    'correspondence_factors', 'tube_correspondence', 'combine_factors'
]

Grid = Tuple[int, int, int]


def frame_spans(record: Dict) -> np.ndarray:
    """``(n, 2)`` float64 source-frame interval ``[start, end)`` of each view
    frame, clipped to the video (see the module docstring)."""
    if record.get('frame_spans') is not None:
        spans = np.asarray(record['frame_spans'], dtype=np.float64)
        spans = spans.reshape(-1, 2)
    else:
        inds = np.asarray(record['frame_inds'], dtype=np.float64).reshape(-1)
        rate = float(record.get('playback_rate', 1) or 1)
        spans = np.stack([inds, inds + rate], axis=-1)
    total = float(record['total_frames'])
    return np.clip(spans, 0.0, total)


def cell_membership(num_frames: int, num_cells: int) -> np.ndarray:
    """``(num_frames, num_cells)`` fraction of view frame ``f`` (the unit
    interval ``[f, f + 1)``) that lies in cell ``t`` (``[t n / T, (t + 1) n /
    T)``). Columns sum to ``n / T``; rows to 1."""
    f = np.arange(num_frames, dtype=np.float64)[:, None]
    edges = np.arange(num_cells + 1, dtype=np.float64) * num_frames / num_cells
    lo, hi = edges[None, :-1], edges[None, 1:]
    return np.clip(np.minimum(f + 1, hi) - np.maximum(f, lo), 0.0, None)


def _check_unrotated(record: Dict) -> None:
    if record.get('rotation', 0):
        raise ValueError(
            f"view {record.get('name')!r} is rotated (rotation="
            f"{record['rotation']}): tube correspondence needs unrotated "
            'views')


def view_corners(record: Dict) -> np.ndarray:
    """Source ``(x, y)`` of the view's corners ``(0, 0)`` and ``(w, h)``
    (``(2, 2)``, :func:`view_to_source_points`). Crop, resize and flip are
    affine along each axis, so every view coordinate ``u`` maps to
    ``c0 + (u / w) (c1 - c0)``."""
    _check_unrotated(record)
    h, w = record['img_shape']
    return view_to_source_points(
        np.array([[0.0, 0.0], [float(w), float(h)]]), record)


def _bounds(corners: np.ndarray, axis: int, num: int) -> np.ndarray:
    """``(R, num, 2)`` source ``[lo, hi)`` of ``num`` even cells along
    ``axis`` (0: x, 1: y) from ``(R, 2, 2)`` corners."""
    u = np.linspace(0.0, 1.0, num + 1)
    c0, c1 = corners[:, 0, axis, None], corners[:, 1, axis, None]
    b = c0 + u * (c1 - c0)  # decreasing when the axis is flipped
    return np.stack([np.minimum(b[:, :-1], b[:, 1:]),
                     np.maximum(b[:, :-1], b[:, 1:])], axis=-1)


def cell_boundaries(record: Dict, grid_h: int,
                    grid_w: int) -> Tuple[np.ndarray, np.ndarray]:
    """Source ``[lo, hi)`` intervals of the ``grid_w`` cell columns and the
    ``grid_h`` cell rows of one view: ``(grid_w, 2)`` x and ``(grid_h, 2)``
    y (a flip reverses the column order; ``lo < hi`` always)."""
    c = view_corners(record)[None]
    return _bounds(c, 0, grid_w)[0], _bounds(c, 1, grid_h)[0]


def _collect(records: Sequence[Dict], grid: Grid, what: str):
    """Spans and cell boundaries of records sharing a frame count: one
    geometry call per record, the cells in batch."""
    if any(r.get('frame_spans') is not None for r in records):
        spans = [frame_spans(r) for r in records]
    else:  # the common case in one vectorised step
        spans = [np.asarray(r['frame_inds']).reshape(-1) for r in records]
    lengths = {len(s) for s in spans}
    if len(lengths) != 1:
        raise ValueError(f'{what} views have different frame counts '
                         f'{sorted(lengths)}; stack views of one kind')
    spans = np.stack(spans).astype(np.float64)
    if spans.ndim == 2:
        rate = np.array([float(r.get('playback_rate', 1) or 1)
                         for r in records])
        total = np.array([float(r['total_frames']) for r in records])
        spans = np.clip(
            np.stack([spans, spans + rate[:, None]], -1), 0.0,
            total[:, None, None])
    corners = np.stack([view_corners(r) for r in records])
    _, gh, gw = grid
    return spans, _bounds(corners, 0, gw), _bounds(corners, 1, gh)


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise 1-D overlaps: ``a`` (..., N, 2), ``b`` (..., M, 2) ->
    (..., N, M)."""
    lo = np.maximum(a[..., :, None, 0], b[..., None, :, 0])
    hi = np.minimum(a[..., :, None, 1], b[..., None, :, 1])
    return np.clip(hi - lo, 0.0, None)


def _ratio(inter: np.ndarray, vol: np.ndarray) -> np.ndarray:
    """``inter / vol[..., None]``, 0 where the volume is 0."""
    vol = vol[..., None]
    return np.where(vol > 0, inter / np.maximum(vol, 1e-12), 0.0)


def correspondence_factors(query_records: Sequence[Sequence[Dict]],
                           key_records: Sequence[Dict], query_grid: Grid,
                           key_grid: Grid) -> Tuple[Tensor, Tensor, Tensor]:
    """The separable factors of ``S`` (float64 CPU tensors).

    Computed with numpy: the arrays are small (a few thousand numbers per
    video) and numpy does not spread such operations over threads, whose
    synchronisation would cost more than the arithmetic.

    Args:
        query_records: ``B`` lists of ``K`` geometry records (the clips).
        key_records: ``B`` geometry records (the global video of each).
        query_grid, key_grid: ``(T, H, W)`` of the feature maps.

    Returns:
        tuple: ``R_t (B, K, Tq, Tk)``, ``R_y (B, K, Hq, Hk)``,
        ``R_x (B, K, Wq, Wk)``: the fraction of query cell row / column /
        time slab covered by each key cell; ``S`` is their outer product.
    """
    B = len(key_records)
    if len(query_records) != B:
        raise ValueError(f'{len(query_records)} query record lists for {B} '
                         'key records')
    K = len(query_records[0]) if B else 0
    if any(len(q) != K for q in query_records):
        raise ValueError('every video needs the same number of query views')
    flat = [r for q in query_records for r in q]
    q_span, q_bx, q_by = _collect(flat, query_grid, 'query')
    k_span, k_bx, k_by = _collect(key_records, key_grid, 'key')
    q_span = q_span.reshape(B, K, -1, 2)
    q_bx, q_by = q_bx.reshape(B, K, -1, 2), q_by.reshape(B, K, -1, 2)

    # time: frame-level overlaps pooled into cells by membership weights
    mq = cell_membership(q_span.shape[2], query_grid[0])  # (nq, Tq)
    mk = cell_membership(k_span.shape[1], key_grid[0])  # (nk, Tk)
    frame_ov = _overlap(q_span, k_span[:, None])  # (B, K, nq, nk)
    inter_t = np.matmul(mq.T, np.matmul(frame_ov, mk))  # (B, K, Tq, Tk)
    vol_t = (q_span[..., 1] - q_span[..., 0]) @ mq  # (B, K, Tq)
    r_t = _ratio(inter_t, vol_t)
    # space: 1-D overlaps of the mapped cell rows / columns
    r_y = _ratio(_overlap(q_by, k_by[:, None]), q_by[..., 1] - q_by[..., 0])
    r_x = _ratio(_overlap(q_bx, k_bx[:, None]), q_bx[..., 1] - q_bx[..., 0])
    return (torch.from_numpy(r_t), torch.from_numpy(r_y),
            torch.from_numpy(r_x))


def combine_factors(r_t, r_y, r_x):
    """``S (B, K, Tq Hq Wq, Tk Hk Wk)`` from its factors (numpy arrays or
    tensors; the result has the same type); cells are in the C order of a
    flattened ``(T, H, W)`` feature map."""
    B, K, tq, tk = r_t.shape
    hq, hk = r_y.shape[2:]
    wq, wk = r_x.shape[2:]
    s = (r_t[:, :, :, None, None, :, None, None] *
         r_y[:, :, None, :, None, None, :, None] *
         r_x[:, :, None, None, :, None, None, :])
    return s.reshape(B, K, tq * hq * wq, tk * hk * wk)


def tube_correspondence(query_records: Sequence[Sequence[Dict]],
                        key_records: Sequence[Dict],
                        query_grid: Grid,
                        key_grid: Grid,
                        device: Optional[torch.device] = None,
                        dtype: torch.dtype = torch.float32) -> Tensor:
    """Correspondence matrices ``S_k`` of a batch (Eq. 1).

    Args:
        query_records (list[list[dict]]): per video, the geometry records of
            its ``K`` local clips.
        key_records (list[dict]): per video, the global video's record.
        query_grid (tuple): ``(T_c, H, W)`` of the clip feature map.
        key_grid (tuple): ``(T_v, H, W)`` of the global feature map.
        device: where ``S`` is wanted. The factors are computed on the CPU
            in float64 (they are tiny); on a CPU ``S`` is expanded with numpy
            (one thread, no synchronisation), on another device the factors
            are moved and expanded there.
        dtype: of the result. Defaults to float32.

    Returns:
        Tensor: ``(B, K, N_c, N_v)``, ``S[b, k, i, j]`` = fraction of clip
        ``k``'s cell ``i`` inside the global cell ``j`` of video ``b``.
    """
    factors = correspondence_factors(query_records, key_records,
                                     tuple(query_grid), tuple(key_grid))
    if device is None or torch.device(device).type == 'cpu':
        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        s = combine_factors(*[f.numpy().astype(np_dtype) for f in factors])
        return torch.from_numpy(np.ascontiguousarray(s)).to(dtype)
    factors = [f.to(device=device, dtype=dtype) for f in factors]
    return combine_factors(*factors)
