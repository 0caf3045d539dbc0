"""One-pass evaluation (OPE) of single-object trackers (OTB / GOT-10k).

Boxes are ``[x, y, w, h]`` (top-left corner, width, height), one row per
frame. Per video, the success curve is the fraction of frames whose IoU with
the ground truth is **greater than** each threshold ``0, 0.05, ..., 1`` and
the precision curve the fraction of frames whose centre error is **at most**
each threshold ``0, 1, ..., 50`` px; the curves of the videos are averaged
(every video weighs the same, as the OTB toolkit, got10k-toolkit and
mmtracking do). ``success`` is the area under the averaged success curve
(its mean over the 21 thresholds) and ``precision`` the averaged precision
at 20 px, both in percent.

Frames whose ground truth is invalid (``w <= 0``, ``h <= 0`` or any NaN;
e.g. a target absent from the frame) are excluded from both curves of their
video: they count neither as hits nor as misses. A video without any valid
frame is skipped.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

#: IoU thresholds of the success plot (OTB: 0:0.05:1)
IOU_THRESHOLDS = np.linspace(0, 1, 21)
#: centre-error thresholds of the precision plot (OTB: 0:50 px)
CENTER_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
#: the precision score is read at this threshold (px)
PRECISION_AT = 20


def _as_boxes(boxes) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return boxes


def valid_gt_mask(gt_boxes) -> np.ndarray:
    """``True`` for frames whose ground truth has finite values and a
    positive width and height."""
    gt = _as_boxes(gt_boxes)
    finite = np.isfinite(gt).all(axis=1)
    with np.errstate(invalid='ignore'):
        return finite & (gt[:, 2] > 0) & (gt[:, 3] > 0)


def box_iou_xywh(a, b) -> np.ndarray:
    """Element-wise IoU of two ``(N, 4)`` arrays of ``[x, y, w, h]`` boxes
    (continuous coordinates: a box covers ``[x, x + w) x [y, y + h)``);
    boxes with non-positive size have IoU 0."""
    a, b = _as_boxes(a), _as_boxes(b)
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(a[:, 0], b[:, 0]), 0,
                 None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(a[:, 1], b[:, 1]), 0,
                 None)
    inter = iw * ih
    union = (np.clip(a[:, 2], 0, None) * np.clip(a[:, 3], 0, None) +
             np.clip(b[:, 2], 0, None) * np.clip(b[:, 3], 0, None) - inter)
    iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return np.nan_to_num(iou, nan=0.0)


def center_error(a, b) -> np.ndarray:
    """Euclidean distance (px) between the centres of two ``(N, 4)``
    arrays of ``[x, y, w, h]`` boxes."""
    a, b = _as_boxes(a), _as_boxes(b)
    ca = a[:, :2] + a[:, 2:] / 2
    cb = b[:, :2] + b[:, 2:] / 2
    return np.sqrt(((ca - cb)**2).sum(axis=1))


def video_ope_curves(pred_boxes, gt_boxes) -> Optional[Dict[str, np.ndarray]]:
    """Success and precision curves of one video (fractions in [0, 1]);
    ``None`` when no frame has a valid ground truth."""
    pred, gt = _as_boxes(pred_boxes), _as_boxes(gt_boxes)
    if len(pred) != len(gt):
        raise ValueError(f'{len(pred)} predicted boxes for {len(gt)} '
                         'ground-truth boxes')
    valid = valid_gt_mask(gt)
    if not valid.any():
        return None
    pred, gt = pred[valid], gt[valid]
    # a NaN prediction (tracker failure) is a miss
    iou = box_iou_xywh(pred, gt)
    err = np.nan_to_num(center_error(pred, gt), nan=np.inf)
    success = (iou[None, :] > IOU_THRESHOLDS[:, None]).mean(axis=1)
    precision = (err[None, :] <= CENTER_THRESHOLDS[:, None]).mean(axis=1)
    return dict(success_curve=success, precision_curve=precision,
                num_frames=int(valid.sum()))


def ope_metrics(pred_boxes: Sequence, gt_boxes: Sequence) -> Dict:
    """OPE success (AUC) and precision (@20 px) over a set of videos.

    Args:
        pred_boxes: one ``(N_i, 4)`` array of ``[x, y, w, h]`` per video.
        gt_boxes: the matching ground truth, same shapes.

    Returns:
        dict: ``success`` (AUC of the success plot, %), ``precision``
        (precision at 20 px, %), ``success_curve`` (21 values, %, at
        :data:`IOU_THRESHOLDS`), ``precision_curve`` (51 values, %, at
        :data:`CENTER_THRESHOLDS`), ``iou_thresholds``,
        ``center_thresholds``, ``num_videos`` (videos with a valid frame).
    """
    if len(pred_boxes) != len(gt_boxes):
        raise ValueError(f'{len(pred_boxes)} predicted videos for '
                         f'{len(gt_boxes)} ground-truth videos')
    curves = [video_ope_curves(p, g) for p, g in zip(pred_boxes, gt_boxes)]
    curves = [c for c in curves if c is not None]
    if not curves:
        raise ValueError('no video has a valid ground-truth box')
    success = 100 * np.mean([c['success_curve'] for c in curves], axis=0)
    precision = 100 * np.mean([c['precision_curve'] for c in curves],
                              axis=0)
    return dict(
        success=float(success.mean()),
        precision=float(precision[PRECISION_AT]),
        success_curve=success,
        precision_curve=precision,
        iou_thresholds=IOU_THRESHOLDS.copy(),
        center_thresholds=CENTER_THRESHOLDS.copy(),
        num_videos=len(curves))


def plot_ope_curves(results: Dict[str, Dict], out_dir: str,
                    title: str = 'OPE') -> List[str]:
    """Write the success and precision plots of one or more trackers.

    Args:
        results: tracker name -> the dict returned by :func:`ope_metrics`.
        out_dir: folder for ``success_plot.png`` and ``precision_plot.png``.
        title: prefix of the plot titles (e.g. ``'OTB2015'``).

    Returns:
        list[str]: the two PNG paths. Legends read ``name [AUC]`` and
        ``name [precision@20]`` and are sorted by that score, as in the OTB
        plots.
    """
    import os

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for kind, xs_key, ys_key, score_key, xlabel, ylabel in (
        ('success', 'iou_thresholds', 'success_curve', 'success',
         'Overlap threshold', 'Success rate'),
        ('precision', 'center_thresholds', 'precision_curve', 'precision',
         'Location error threshold (px)', 'Precision'),
    ):
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        order = sorted(results, key=lambda n: -results[n][score_key])
        for name in order:
            r = results[name]
            ax.plot(r[xs_key], np.asarray(r[ys_key]) / 100,
                    label=f'{name} [{r[score_key]:.1f}]')
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(float(np.min(results[order[0]][xs_key])),
                    float(np.max(results[order[0]][xs_key])))
        ax.grid(alpha=0.3)
        what = 'AUC' if kind == 'success' else f'precision@{PRECISION_AT}'
        ax.set_title(f'{kind.capitalize()} plots of {title} ({what})')
        ax.legend(loc='lower left' if kind == 'success' else 'lower right',
                  fontsize=8)
        fig.tight_layout()
        path = os.path.join(out_dir, f'{kind}_plot.png')
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
