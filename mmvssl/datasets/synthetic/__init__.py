"""Synthetic video benchmark generator (see docs/synthetic_benchmark.md).

Importing this package is cheap: numpy, OpenCV and PyAV are imported by the
submodules that render and encode, and nothing here imports torch or
mmaction.
"""
from .presets import APPEARANCES, MOTIONS, PRESETS, action_table, get_preset


def generate(out, preset='tiny', seed=0, workers=None, progress=True,
             overwrite=False, **overrides):
    """Write a synthetic benchmark to ``out``; see
    :func:`mmvssl.datasets.synthetic.generator.generate`."""
    from .generator import generate as _generate
    return _generate(out, preset=preset, seed=seed, workers=workers,
                     progress=progress, overwrite=overwrite, **overrides)


__all__ = [
    'APPEARANCES', 'MOTIONS', 'PRESETS', 'action_table', 'get_preset',
    'generate'
]
