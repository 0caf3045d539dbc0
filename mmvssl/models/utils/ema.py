"""The momentum (exponential moving average) target of MoCo and BYOL.

One update rule for every momentum encoder in mmvssl::

    xi <- m * xi + (1 - m) * theta          (CSTP Eq. 2, MoCo, BYOL)

:func:`momentum_update` applies it to the parameters of a target module;
:class:`MomentumTarget` owns a frozen copy of online modules and updates it;
:func:`cosine_momentum` is BYOL's schedule, applied by
``MomentumUpdateHook`` (``mmvssl.engine.hooks``) to every
:class:`MomentumTarget` of a model.
"""
import copy
import math
from typing import Iterable, List, Sequence, Union

import torch
import torch.nn as nn

Modules = Union[nn.Module, Sequence[nn.Module]]


def _as_list(modules: Modules) -> List[nn.Module]:
    if isinstance(modules, nn.Module):
        return [modules]
    return list(modules)


def _params(modules: Iterable[nn.Module]) -> List[torch.Tensor]:
    return [p for m in modules for p in m.parameters()]


@torch.no_grad()
def momentum_update(online: Modules, target: Modules,
                    momentum: float) -> None:
    """``target <- momentum * target + (1 - momentum) * online`` for every
    parameter (in place; modules are matched in order and must have the
    same parameter shapes). Buffers (BatchNorm statistics) are left alone:
    a target in training mode keeps its own running statistics, as in the
    official MoCo and BYOL code. ``momentum=0`` copies the parameters.
    """
    if not 0. <= momentum <= 1.:
        raise ValueError(f'momentum must be in [0, 1], got {momentum}')
    src = _params(_as_list(online))
    dst = _params(_as_list(target))
    if len(src) != len(dst):
        raise ValueError(f'online and target modules differ: {len(src)} vs '
                         f'{len(dst)} parameters')
    for s, d in zip(src, dst):
        if s.shape != d.shape:
            raise ValueError(f'parameter shapes differ: {tuple(s.shape)} vs '
                             f'{tuple(d.shape)}')
    if momentum == 0.:
        torch._foreach_copy_(dst, [s.detach() for s in src])
        return
    torch._foreach_mul_(dst, momentum)
    torch._foreach_add_(dst, [s.detach() for s in src], alpha=1. - momentum)


def cosine_momentum(base: float, end: float, cur_iter: int,
                    max_iters: int) -> float:
    """BYOL's schedule: ``end - (end - base) * (cos(pi k / K) + 1) / 2``,
    from ``base`` at ``k = 0`` to ``end`` at ``k = K``."""
    if max_iters <= 0:
        return float(base)
    k = min(max(int(cur_iter), 0), int(max_iters))
    return float(end - (end - base) * (math.cos(math.pi * k / max_iters) + 1.)
                 / 2.)


class MomentumTarget(nn.Module):
    """A frozen momentum copy of one or more online modules.

    Built from the online modules (deep-copied, ``requires_grad=False``);
    the copy is *re-synchronised* (exact copy of the online parameters) at
    the first :meth:`update`, so initialising the online modules after
    construction (mmengine's ``init_weights``) is fine; afterwards every
    :meth:`update` applies :func:`momentum_update` with :attr:`momentum`.
    The update counter is a buffer, so a resumed run does not re-copy.

    ``momentum`` is the current coefficient, ``base_momentum`` the
    configured one; ``MomentumUpdateHook`` sets ``momentum`` by a cosine
    schedule from ``base_momentum`` to its ``end_momentum``.

    Args:
        online (nn.Module | Sequence[nn.Module]): modules to copy.
        momentum (float): coefficient ``m`` of the target. Defaults to
            0.999.

    ``target[i]`` is the copy of the ``i``-th online module. The copies
    follow the model's train / eval mode (BatchNorm uses batch statistics
    in training, as in the official MoCo / BYOL); their parameters stay
    frozen.
    """

    def __init__(self, online: Modules, momentum: float = 0.999) -> None:
        super().__init__()
        if not 0. <= momentum <= 1.:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        self.base_momentum = float(momentum)
        self.momentum = float(momentum)
        self.copies = nn.ModuleList(
            [copy.deepcopy(m) for m in _as_list(online)])
        for p in self.copies.parameters():
            p.requires_grad_(False)
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))

    def __getitem__(self, i: int) -> nn.Module:
        return self.copies[i]

    def __len__(self) -> int:
        return len(self.copies)

    @torch.no_grad()
    def update(self, online: Modules) -> None:
        """Move the copies towards ``online`` (same modules, same order as
        at construction); the first call copies them."""
        online = _as_list(online)
        if len(online) != len(self.copies):
            raise ValueError(f'expected {len(self.copies)} online modules, '
                             f'got {len(online)}')
        m = 0. if int(self.num_updates) == 0 else self.momentum
        momentum_update(online, list(self.copies), m)
        self.num_updates += 1

    def extra_repr(self) -> str:
        return f'momentum={self.momentum}, base_momentum={self.base_momentum}'
