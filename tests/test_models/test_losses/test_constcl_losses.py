"""Contrastive losses against hand computations, and the 2-process run."""
import math
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mmvssl  # noqa: F401
from mmvssl.models.losses import (InfoNCELoss, RegionInfoNCELoss,
                                  argmax_positive, info_nce, nt_xent,
                                  region_info_nce)


# ------------------------------------------------------------ hand examples
def test_info_nce_hand_example():
    q = torch.tensor([[1., 0.]])
    keys = torch.tensor([[1., 0.], [0., 1.]])
    # logits [2, 0]: -log(e^2 / (e^2 + 1)) = log(1 + e^-2)
    out = info_nce(q, keys, torch.tensor([0]), temperature=0.5)
    assert out.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    excl = torch.tensor([[False, True]])
    assert info_nce(q, keys, torch.tensor([0]), 0.5, excl).item() == \
        pytest.approx(0., abs=1e-6)


def test_nt_xent_hand_example():
    z = torch.tensor([[1., 0.], [0., 1.]])
    # cross-view only: each anchor: logits [1, 0] -> log(1 + e^-1); 2 dirs
    out = nt_xent(z, z.clone(), temperature=1.0, intra_view_negatives=False)
    assert out['loss'].item() == pytest.approx(2 * math.log(1 + math.e**-1),
                                               abs=1e-6)
    # + same-view negative (self excluded): log(1 + 2 e^-1) per direction
    out = nt_xent(z, z.clone(), temperature=1.0, intra_view_negatives=True)
    assert out['loss'].item() == pytest.approx(2 * math.log(1 + 2 / math.e),
                                               abs=1e-6)
    assert out['acc'].item() == 1.0


def numpy_nt_xent(z1, z2, tau, intra):
    """Loop-by-loop reference."""
    z1, z2 = z1.numpy().astype(np.float64), z2.numpy().astype(np.float64)
    total = 0.
    for a, b in ((z1, z2), (z2, z1)):
        losses = []
        for i in range(len(a)):
            cands = [b[k] for k in range(len(b))]
            if intra:
                cands += [a[k] for k in range(len(a)) if k != i]
            logits = np.array([a[i] @ c for c in cands]) / tau
            losses.append(-logits[i] + np.log(np.exp(logits).sum()))
        total += np.mean(losses)
    return total


@pytest.mark.parametrize('intra', [True, False])
def test_nt_xent_matches_numpy(intra):
    g = torch.Generator().manual_seed(0)
    z1 = F.normalize(torch.randn(6, 5, generator=g), dim=1)
    z2 = F.normalize(torch.randn(6, 5, generator=g), dim=1)
    out = nt_xent(z1, z2, 0.1, intra)
    assert out['loss'].item() == pytest.approx(
        numpy_nt_xent(z1, z2, 0.1, intra), rel=1e-5)


def test_argmax_positive_hand_example():
    src = torch.tensor([[[1., 0.], [0., 1.]]])
    tgt = torch.tensor([[[0., 1.], [0.9, 0.1], [1., 0.]]])
    valid = torch.tensor([[True, True, False]])
    # src0: best valid target is 1 (target 2 is more similar but invalid)
    assert argmax_positive(src, tgt, valid).tolist() == [[1, 0]]
    assert argmax_positive(src, tgt).tolist() == [[2, 0]]


def test_region_info_nce_hand_example():
    pred = torch.tensor([[[1., 0.]], [[0., 1.]]])  # B=2, N=1
    target = torch.tensor([[[1., 0.]], [[0., 1.]]])
    pos = torch.zeros(2, 1, dtype=torch.long)
    # anchor of video 0: positive 1, negative (video 1) 0 -> log(1 + e^-1)
    out = region_info_nce(pred, target, pos, temperature=1.0)
    assert out['loss'].item() == pytest.approx(math.log(1 + math.e**-1),
                                               abs=1e-6)
    assert out['acc'].item() == 1.0
    # video 1's target invalid: video 0 has no negative (loss 0) and
    # video 1's anchor has no valid target (excluded): mean over 1 anchor
    out = region_info_nce(pred, target, pos, temperature=1.0,
                          tgt_valid=torch.tensor([[True], [False]]))
    assert out['loss'].item() == pytest.approx(0., abs=1e-6)
    assert out['num_anchors'].item() == 1


def test_region_negatives_exclude_same_video():
    # N=2: region 1 of the same video is NOT a negative for region 0
    pred = torch.tensor([[[1., 0.], [0., 1.]], [[1., 0.], [0., 1.]]])
    target = torch.tensor([[[1., 0.], [0., 1.]], [[0., -1.], [-1., 0.]]])
    pos = torch.tensor([[0, 1], [1, 0]])
    tau = 0.5
    out = region_info_nce(pred, target, pos, temperature=tau)
    expected = []
    for b in range(2):
        for i in range(2):
            p = pred[b, i] @ target[b, pos[b, i]] / tau
            negs = torch.stack([pred[b, i] @ target[1 - b, j] / tau
                                for j in range(2)])
            expected.append(torch.logsumexp(torch.cat([p[None], negs]), 0)
                            - p)
    assert out['loss'].item() == pytest.approx(
        torch.stack(expected).mean().item(), abs=1e-6)


def test_masked_mean_over_processes_by_hand():
    from mmvssl.ops import masked_mean_over_processes
    x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
    mask = torch.tensor([True, False, True, False])
    # one process: (1 + 3) / 2 = 2; masked entries get no gradient
    loss, count, total = masked_mean_over_processes(x * 1.0, mask)
    assert loss.item() == pytest.approx(2.0)
    assert count.item() == 2 and total.item() == 2
    loss.backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5, 0.0]
    # nothing valid: a zero that keeps the graph
    loss, count, total = masked_mean_over_processes(
        x * 1.0, torch.zeros(4, dtype=torch.bool), gather=False)
    assert loss.item() == 0.0 and loss.requires_grad and total.item() == 0


def test_region_loss_module_symmetric_and_weighted():
    g = torch.Generator().manual_seed(1)
    B, N, C, D = 3, 4, 6, 6
    na = torch.randn(B, N, C, generator=g)
    nb = torch.randn(B, N, C, generator=g)
    pab = torch.randn(B, N, D, generator=g)
    pba = torch.randn(B, N, D, generator=g)
    loss = RegionInfoNCELoss(temperature=0.2, loss_weight=0.001)
    out = loss(pab, pba, na, nb, na, nb)
    nna, nnb = F.normalize(na, dim=-1), F.normalize(nb, dim=-1)
    ab = region_info_nce(F.normalize(pab, dim=-1), nnb,
                         argmax_positive(nna, nnb), 0.2)['loss']
    ba = region_info_nce(F.normalize(pba, dim=-1), nna,
                         argmax_positive(nnb, nna), 0.2)['loss']
    assert out['loss'].item() == pytest.approx(
        0.001 * 0.5 * (ab + ba).item(), rel=1e-6)


def test_global_module_normalises_and_weights():
    z1, z2 = torch.randn(4, 8), torch.randn(4, 8)
    a = InfoNCELoss(temperature=0.1, loss_weight=2.)(z1 * 5, z2)['loss']
    b = nt_xent(F.normalize(z1, dim=1), F.normalize(z2, dim=1), 0.1)['loss']
    assert a.item() == pytest.approx(2 * b.item(), rel=1e-6)


# --------------------------------------------------- 2-process gloo check
W, B, N, C = 2, 3, 4, 5


def make_data():
    g = torch.Generator().manual_seed(123)
    data = dict(
        x1=torch.randn(W * B, C, generator=g),
        x2=torch.randn(W * B, C, generator=g),
        ra=torch.randn(W * B, N, C, generator=g),
        rb=torch.randn(W * B, N, C, generator=g),
        weight=torch.randn(C, C, generator=g),
        valid_a=torch.rand(W * B, N, generator=g) > 0.3,
        valid_b=torch.rand(W * B, N, generator=g) > 0.3)
    data['valid_b'][0] = False  # a video without valid target boxes
    return data


def losses_and_grads(data, rows, gather):
    """Global + local loss of the given rows, and the gradient of a shared
    linear layer (the 'model') and of the inputs."""
    lin = torch.nn.Linear(C, C, bias=False)
    with torch.no_grad():
        lin.weight.copy_(data['weight'])
    x1 = data['x1'][rows].clone().requires_grad_(True)
    ra = data['ra'][rows].clone().requires_grad_(True)
    g_loss = InfoNCELoss(0.1, gather_distributed=gather)(
        lin(x1), lin(data['x2'][rows]))['loss']
    fa, fb = lin(ra), lin(data['rb'][rows])
    l_loss = RegionInfoNCELoss(0.2, 1.0, gather_distributed=gather)(
        fa * 2, fb * 3, fa, fb, fa, fb, data['valid_a'][rows],
        data['valid_b'][rows])['loss']
    (g_loss + l_loss).backward()
    return dict(g=g_loss.detach(), l=l_loss.detach(),
                wgrad=lin.weight.grad, x1grad=x1.grad, ragrad=ra.grad)


def _worker(rank, port, out_dir):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=W)
    try:
        data = make_data()
        rows = torch.arange(rank * B, (rank + 1) * B)
        res = losses_and_grads(data, rows, gather=True)
        for k in ('g', 'l', 'wgrad'):  # what DDP does: average over ranks
            dist.all_reduce(res[k])
            res[k] /= W
        torch.save(res, os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.mark.timeout(120)
def test_two_process_gather_equals_concatenated_batch(tmp_path, port):
    import torch.multiprocessing as mp
    mp.spawn(_worker, args=(port, str(tmp_path)), nprocs=W, join=True)
    full = losses_and_grads(make_data(), torch.arange(W * B), gather=False)
    for rank in range(W):
        res = torch.load(tmp_path / f'rank{rank}.pth')
        torch.testing.assert_close(res['g'], full['g'])
        torch.testing.assert_close(res['l'], full['l'])
        torch.testing.assert_close(res['wgrad'], full['wgrad'])
        # per-sample gradients: the gathered backward sums over ranks, so a
        # rank holds W x the gradient of the mean loss
        rows = slice(rank * B, (rank + 1) * B)
        torch.testing.assert_close(res['x1grad'] / W, full['x1grad'][rows])
        torch.testing.assert_close(res['ragrad'] / W, full['ragrad'][rows])
