"""All-gather across processes that keeps the autograd graph."""
from typing import Tuple

import torch
import torch.distributed as dist
from torch import Tensor


def get_dist_info() -> Tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` when not distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _GatherWithGrad(torch.autograd.Function):
    """Forward: ``all_gather`` + concat along dim 0. Backward: every rank's
    gradient of the gathered tensor is summed (``all_reduce``) and each rank
    keeps the slice of its own input, so the gradient of a loss that mixes
    all ranks' rows reaches the rank that produced each row."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        world = dist.get_world_size()
        sizes = torch.tensor([x.shape[0]], device=x.device)
        all_sizes = [torch.zeros_like(sizes) for _ in range(world)]
        dist.all_gather(all_sizes, sizes)
        all_sizes = [int(s) for s in all_sizes]
        max_size = max(all_sizes)
        if x.shape[0] < max_size:  # all_gather needs equal shapes: pad
            pad = x.new_zeros((max_size - x.shape[0], ) + tuple(x.shape[1:]))
            x_pad = torch.cat([x, pad], dim=0)
        else:
            x_pad = x
        out = [torch.empty_like(x_pad) for _ in range(world)]
        dist.all_gather(out, x_pad.contiguous())
        ctx.sizes = all_sizes
        ctx.rank = dist.get_rank()
        return torch.cat([o[:n] for o, n in zip(out, all_sizes)], dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = sum(ctx.sizes[:ctx.rank])
        return grad[start:start + ctx.sizes[ctx.rank]]


def gather_with_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` (dim 0) from all processes, differentiably.

    The identity when ``torch.distributed`` is not initialised (or has a
    single process). Rows may differ in number between processes. The
    backward sums the gradient over processes, so with DDP's gradient
    averaging the parameter gradients equal those of the mean of the
    per-process losses computed on the concatenated batch.
    """
    rank, world = get_dist_info()
    if world == 1:
        return x
    return _GatherWithGrad.apply(x)


@torch.no_grad()
def gather_no_grad(x: Tensor) -> Tensor:
    """Like :func:`gather_with_grad`, without a graph (labels, masks)."""
    rank, world = get_dist_info()
    if world == 1:
        return x
    return _GatherWithGrad.forward(_Ctx(), x)


@torch.no_grad()
def all_reduce_sum(x: Tensor) -> Tensor:
    """Sum of ``x`` over processes (a copy; identity when not distributed)."""
    rank, world = get_dist_info()
    x = x.clone()
    if world > 1:
        dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x


def masked_mean_over_processes(losses: Tensor, mask: Tensor,
                               gather: bool = True):
    """Mean of ``losses`` over the entries where ``mask`` is True on every
    process.

    The local sum is divided by (global count / world size), so that DDP's
    averaging of gradients over processes yields the gradient of the global
    mean. When no entry is valid anywhere the loss is a zero that keeps the
    graph. ``gather=False``: this process's entries only.

    Returns:
        tuple: ``(loss, count, total)``, the local and the global number of
        valid entries (as ``losses.dtype``).
    """
    _, world = get_dist_info() if gather else (0, 1)
    losses = losses.masked_fill(~mask, 0.)
    count = mask.sum().to(losses.dtype)
    total = all_reduce_sum(count) if gather else count
    loss = losses.sum() / (total / world).clamp(min=1e-12)
    if total == 0:
        loss = losses.sum() * 0.
    return loss, count, total


def global_row_offset(num_rows: int, device=None) -> int:
    """Index of this process's first row in the gathered batch.

    ``device`` must be a device the process group's backend can use (the
    device of the tensors being gathered).
    """
    rank, world = get_dist_info()
    if world == 1:
        return 0
    sizes = torch.tensor([num_rows], device=device)
    all_sizes = [torch.zeros_like(sizes) for _ in range(world)]
    dist.all_gather(all_sizes, sizes)
    return int(sum(int(s) for s in all_sizes[:rank]))


class _Ctx:
    """Stand-in for an autograd ctx when the forward is called directly."""
