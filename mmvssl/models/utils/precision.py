"""float32 islands inside mixed-precision (autocast) training.

Under ``torch.autocast`` matrix products run in bfloat16 / float16. Where a
loss divides similarities by a small temperature and exponentiates them
(InfoNCE logits, MINE's log-mean-exp), 8 mantissa bits are too few: the
official implementations compute these losses in float32 even when the
network runs in bfloat16. :func:`float32_island` runs a function with
autocast off and its reduced-precision floating-point tensor arguments cast
to float32 (gradients flow through the casts back into the bf16 graph).
Outside autocast and with float32 inputs it changes nothing.
"""
import dataclasses
import functools
from contextlib import ExitStack

import torch

_REDUCED = (torch.float16, torch.bfloat16)


def _autocast_devices():
    devices = ['cpu']
    if torch.cuda.is_available():
        devices.append('cuda')
    return [d for d in devices if torch.is_autocast_enabled(d)]


def to_float32(obj):
    """``obj`` with every float16 / bfloat16 tensor (also inside lists,
    tuples, dicts and dataclass instances, e.g. ``LocalGlobalBatch``, which
    are copied) cast to float32."""
    if isinstance(obj, torch.Tensor):
        return obj.float() if obj.dtype in _REDUCED else obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changed = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            value = getattr(obj, f.name)
            cast = to_float32(value)
            if cast is not value:
                changed[f.name] = cast
        return dataclasses.replace(obj, **changed) if changed else obj
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        cast = [to_float32(o) for o in obj]
        if all(c is o for c, o in zip(cast, obj)):
            return obj
        return type(obj)(cast)
    if isinstance(obj, dict) and type(obj) is dict:
        cast = {k: to_float32(v) for k, v in obj.items()}
        if all(cast[k] is v for k, v in obj.items()):
            return obj
        return cast
    return obj


def float32_island(fn):
    """Decorator: run ``fn`` in float32 (autocast disabled, reduced-precision
    tensor arguments cast to float32)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        devices = _autocast_devices()
        args, kwargs = to_float32(args), to_float32(kwargs)
        if not devices:
            return fn(*args, **kwargs)
        with ExitStack() as stack:
            for d in devices:
                stack.enter_context(torch.autocast(d, enabled=False))
            return fn(*args, **kwargs)

    return wrapper
