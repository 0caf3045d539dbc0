"""Wrappers of clip transforms."""
from typing import Dict, List, Sequence, Union

from mmcv.transforms import Compose

from mmvssl.registry import TRANSFORMS
from .base import ClipTransform


@TRANSFORMS.register_module()
class ClipRandomApply(ClipTransform):
    """Apply a group of clip transforms, in order, with probability
    ``prob`` (one draw per clip), else none of them.

    Like mmcv's ``RandomApply``, but the inner transforms are built from
    mmvssl's registry (so the config needs no default scope), and it uses
    NumPy's random state like the other clip transforms. E.g. CSTP's
    released code applies its whole "base" augmentation to a clip with
    probability 0.3 (``configs/_base_/datasets/cstp_ucf101.py``).

    Args:
        transforms (list[dict | callable]): the transforms.
        prob (float): probability to apply them. Defaults to 0.5.
    """

    def __init__(self, transforms: Sequence[Union[Dict, callable]],
                 prob: float = 0.5) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'ClipRandomApply: prob={prob} not in [0, 1]')
        built: List = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ]
        self.transforms = Compose(built)
        self.prob = float(prob)

    def transform(self, results: Dict) -> Dict:
        if self._maybe(self.prob):
            return self.transforms(results)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'transforms={self.transforms.transforms})')
