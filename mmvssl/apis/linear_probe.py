"""Linear probe on frozen, pre-extracted features (the demo's evaluation).

Pre-extracting features once and fitting a linear classifier on them is the
standard cheap linear evaluation of a frozen backbone; it is what ``make
demo`` runs on CPU. The full mmaction2 protocol (augmented clips, linear head
trained through the frozen backbone) lives in ``configs/downstream``.
"""
from typing import Dict, Optional

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
