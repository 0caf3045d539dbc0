"""Mixed precision (autocast) training on any device, bfloat16 by default.

mmengine's :class:`~mmengine.optim.AmpOptimWrapper` refuses to build without
an accelerator (it asserts CUDA / NPU / MLU / MUSA) and always scales the
loss. bfloat16 has float32's exponent range, so it needs no loss scaling, and
``torch.autocast`` supports it on the CPU too. :class:`AutocastOptimWrapper`
is a plain :class:`~mmengine.optim.OptimWrapper` whose ``optim_context``
runs the forward under ``torch.autocast(device, dtype)``: the same numerics as
``AmpOptimWrapper(dtype='bfloat16')`` on a GPU, and it runs on the CPU.

:func:`amp_optim_wrapper_cfg` converts an ``optim_wrapper`` config for
``tools/train.py --amp`` (and ``tools/analysis/memory_estimate.py --amp``):
on CUDA it keeps mmengine's ``AmpOptimWrapper`` (the mmaction2 convention),
without CUDA it uses this wrapper with bfloat16 (the only dtype CPU autocast
supports).
"""
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmvssl.registry import OPTIM_WRAPPERS

_DTYPES = dict(float16=torch.float16, bfloat16=torch.bfloat16)
#: wrapper types that mean "autocast"
AMP_WRAPPERS = ('AmpOptimWrapper', 'AutocastOptimWrapper')


def _dtype(dtype: Union[str, torch.dtype, None]) -> torch.dtype:
    if dtype is None:
        return torch.bfloat16
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in _DTYPES:
        raise ValueError(f'autocast dtype must be one of {sorted(_DTYPES)}, '
                         f'got {dtype!r}')
    return _DTYPES[dtype]


def _device_type(model: nn.Module) -> str:
    for p in model.parameters():
        return p.device.type
    return 'cuda' if torch.cuda.is_available() else 'cpu'


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An :class:`OptimWrapper` whose forward runs under ``torch.autocast``.

    No loss scaling: meant for bfloat16 (default). float16 on a GPU needs a
    loss scaler: use mmengine's ``AmpOptimWrapper`` for it; float16 here
    raises on the CPU (which has no float16 autocast).

    Args:
        dtype (str | torch.dtype): ``'bfloat16'`` (default) or
            ``'float16'``.
        **kwargs: :class:`OptimWrapper` arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, dtype: Union[str, torch.dtype, None] = 'bfloat16',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = _dtype(dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        device = _device_type(model)
        if device == 'cpu' and self.cast_dtype != torch.bfloat16:
            raise ValueError('AutocastOptimWrapper: CPU autocast supports '
                             f'only bfloat16, not {self.cast_dtype}')
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=self.cast_dtype):
            yield


def amp_optim_wrapper_cfg(optim_wrapper: dict,
                          cuda: Optional[bool] = None) -> dict:
    """``optim_wrapper`` (a config dict) with mixed precision on.

    With CUDA: mmengine's ``AmpOptimWrapper`` (dynamic loss scale unless
    set; ``dtype`` kept from the config, ``None`` = float16). Without CUDA:
    :class:`AutocastOptimWrapper` in bfloat16 (a config that asks for
    float16 is an error: the CPU has no float16 autocast). Wrappers other
    than ``OptimWrapper`` / the two AMP ones are rejected.
    """
    cfg = dict(optim_wrapper)
    cuda = torch.cuda.is_available() if cuda is None else cuda
    kind = cfg.get('type', 'OptimWrapper')
    if kind not in ('OptimWrapper', ) + AMP_WRAPPERS:
        raise ValueError(f'mixed precision is not supported with '
                         f'optim_wrapper type {kind!r}')
    if cuda:
        if kind == 'AutocastOptimWrapper':
            return cfg  # device-agnostic already
        cfg['type'] = 'AmpOptimWrapper'
        cfg.setdefault('loss_scale', 'dynamic')
        return cfg
    dtype = cfg.get('dtype') or 'bfloat16'
    if str(dtype).replace('torch.', '') != 'bfloat16':
        raise ValueError(f'optim_wrapper dtype {dtype!r}: CPU autocast '
                         'supports only bfloat16')
    cfg.pop('loss_scale', None)
    cfg.pop('use_fsdp', None)
    cfg.update(type='AutocastOptimWrapper', dtype='bfloat16')
    return cfg
