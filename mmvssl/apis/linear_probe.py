"""Linear probe on frozen, pre-extracted features (the demo's evaluation).

Pre-extracting features once and fitting a linear classifier on them is the
standard cheap linear evaluation of a frozen backbone; it is what ``make
demo`` runs on CPU. The full mmaction2 protocol (augmented clips, linear head
trained through the frozen backbone) lives in ``configs/downstream``.
"""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F


def _class_mean_accuracy(pred: np.ndarray, labels: np.ndarray) -> float:
    accs = [float((pred[labels == c] == c).mean()) for c in np.unique(labels)]
    return 100.0 * float(np.mean(accs))


def linear_probe(train_feats,
                 train_labels,
                 val_feats,
                 val_labels,
                 num_classes: Optional[int] = None,
                 epochs: int = 300,
                 lr: float = 0.05,
                 weight_decay: float = 0.0,
                 standardize: bool = True,
                 seed: int = 0) -> Dict[str, float]:
    """Fit a linear softmax classifier on train features, score val.

    Features are L2-normalised, then (``standardize``) each dimension is
    centred and scaled with the *train* statistics, so the optimiser sees
    a well-conditioned problem whatever the backbone's feature scale. The
    classifier is trained full-batch with Adam for ``epochs`` steps from a
    fixed seed (deterministic); no weight decay by default.

    Returns:
        dict: ``top1`` and ``mean_class_acc`` on val, ``train_top1``, all in
        percent.
    """
    xtr = F.normalize(torch.as_tensor(np.asarray(train_feats),
                                      dtype=torch.float32), dim=1)
    xva = F.normalize(torch.as_tensor(np.asarray(val_feats),
                                      dtype=torch.float32), dim=1)
    ytr = torch.as_tensor(np.asarray(train_labels), dtype=torch.long)
    yva = np.asarray(val_labels, dtype=np.int64)
    if xtr.shape[0] != ytr.shape[0] or xva.shape[0] != yva.shape[0]:
        raise ValueError('features and labels differ in length: '
                         f'{xtr.shape[0]}/{ytr.shape[0]} (train), '
                         f'{xva.shape[0]}/{yva.shape[0]} (val)')
    if (ytr < 0).any() or (yva < 0).any():
        raise ValueError('linear_probe needs labels >= 0 for every sample')
    if standardize:
        mean, std = xtr.mean(0, keepdim=True), xtr.std(0, keepdim=True)
        std = std.clamp_min(1e-6)
        xtr, xva = (xtr - mean) / std, (xva - mean) / std
    n_cls = int(num_classes or max(int(ytr.max()), int(yva.max())) + 1)
    gen = torch.Generator().manual_seed(seed)
    layer = torch.nn.Linear(xtr.shape[1], n_cls)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen)
                           * 0.01)
        layer.bias.zero_()
    opt = torch.optim.Adam(layer.parameters(), lr=lr,
                           weight_decay=weight_decay)
    for _ in range(epochs):
        opt.zero_grad()
        F.cross_entropy(layer(xtr), ytr).backward()
        opt.step()
    with torch.no_grad():
        pred_va = layer(xva).argmax(1).numpy()
        pred_tr = layer(xtr).argmax(1).numpy()
    return dict(top1=100.0 * float((pred_va == yva).mean()),
                mean_class_acc=_class_mean_accuracy(pred_va, yva),
                train_top1=100.0 * float((pred_tr == ytr.numpy()).mean()))


def linear_probe_cv(train_feats,
                    train_labels,
                    val_feats,
                    val_labels,
                    train_groups,
                    weight_decays: Sequence[float] = (0.0, 1e-3, 1e-2, 1e-1),
                    **kwargs) -> Dict:
    """:func:`linear_probe` with its weight decay chosen on the train split
    by leave-one-group-out cross-validation.

    ``train_groups`` gives each train sample's group (e.g. the UCF-style
    group whose clips share a background scene). Each candidate weight decay
    is scored by the mean top-1 over the folds that hold one group out and
    fit on the others; the best (ties: the smallest weight decay) is refit
    on the whole train split and scored on val. Val labels play no part in
    the choice. With groups that each hold one label only, unregularised
    probes can reach 100% train accuracy by recognising the group's scene;
    held-out groups reward what generalises to new scenes, as val needs.

    Returns:
        dict: :func:`linear_probe`'s keys plus ``weight_decay`` (the choice)
        and ``cv_top1`` (dict weight decay -> mean held-out-group top-1).
    """
    groups = np.asarray(train_groups)
    xtr = np.asarray(train_feats)
    ytr = np.asarray(train_labels)
    if groups.shape[0] != xtr.shape[0]:
        raise ValueError(f'train_groups has {groups.shape[0]} entries for '
                         f'{xtr.shape[0]} train samples')
    uniq = np.unique(groups)
    if len(uniq) < 2:
        raise ValueError('linear_probe_cv needs at least 2 train groups, '
                         f'got {len(uniq)}')
    if not weight_decays:
        raise ValueError('linear_probe_cv needs at least one weight decay')
    n_cls = kwargs.pop('num_classes', None) or \
        int(max(ytr.max(), np.asarray(val_labels).max())) + 1
    cv = {}
    for wd in weight_decays:
        scores = []
        for g in uniq:
            held = groups == g
            res = linear_probe(xtr[~held], ytr[~held], xtr[held], ytr[held],
                               num_classes=n_cls, weight_decay=wd, **kwargs)
            scores.append(res['top1'])
        cv[float(wd)] = float(np.mean(scores))
    best = max(cv, key=lambda wd: (cv[wd], -wd))
    out = linear_probe(xtr, ytr, val_feats, val_labels, num_classes=n_cls,
                       weight_decay=best, **kwargs)
    out.update(weight_decay=best, cv_top1=cv)
    return out


def proportion_ci95(percent: float, n: int) -> float:
    """Half-width (in points) of the normal-approximation 95% interval of
    a proportion measured in ``percent`` on ``n`` samples:
    ``1.96 * sqrt(p (1 - p) / n) * 100``."""
    if n <= 0:
        raise ValueError(f'proportion_ci95 needs n > 0, got {n}')
    p = float(percent) / 100.0
    return 196.0 * float(np.sqrt(max(p * (1.0 - p), 0.0) / n))
