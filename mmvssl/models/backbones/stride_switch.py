"""R3D whose temporal strides switch at forward time (no weight copies)."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmaction.models.backbones.resnet3d import Bottleneck3d, ResNet3d
from torch import Tensor

from mmvssl.registry import MODELS

StrideMode = Union[str, Sequence[int], None]


@MODELS.register_module()
class StrideSwitchResNet3d(ResNet3d):
    """mmaction2's :class:`ResNet3d` with switchable temporal strides.

    Controllable augmentations (Sec. 3.1, 4.2) encode local clips and the
    global video with the *same* R3D, only "the temporal stride of the last
    3 stages" differs, so that the global feature map has a higher temporal
    resolution. This backbone keeps one set of modules and rewrites the
    ``stride`` attribute of the temporally strided convolutions (the strided
    conv of each stage's first block and its downsample shortcut) for the
    duration of a forward: parameters, buffers and state dict are those of
    the plain ``ResNet3d`` with the default strides, so a checkpoint loads
    into mmaction2's ``ResNet3d`` for downstream tasks.

    Defaults (our reading of Sec. 4.2, see ``docs/ctrlaug.md``): R3D-18
    (BasicBlock3d, all blocks 3x3x3), stem ``3x7x7`` conv with stride
    ``(2, 2, 2)`` + ``1x3x3`` max pool stride ``(1, 2, 2)``, stage spatial
    strides ``(1, 2, 2, 2)`` and temporal strides ``(1, 1, 2, 2)``. A
    ``16x112x112`` clip gives ``2x4x4`` features (the default mode); mode
    ``'dense'`` (temporal strides of stages 2-4 set to 1, i.e. all 1), used
    for the global video, gives ``8x4x4``.

    Switching::

        feat = backbone(clip)                              # default strides
        feat = backbone(video, stride_mode='dense')        # named mode
        with backbone.stride_mode((1, 1, 1, 2)):           # explicit strides
            feat = backbone(video)

    Activation checkpointing (``with_cp=True``): the blocks' own
    checkpointing (mmaction2's) would recompute them in the backward pass
    after the strides were restored, so this backbone checkpoints each
    block itself with a function that sets the forward's strides again.

    Args:
        depth (int): 18 or 34 (BasicBlock3d); 50+ (Bottleneck3d) also work.
        temporal_stride_modes (dict): name -> per-stage temporal strides
            used by ``stride_mode=name``. Defaults to
            ``dict(global=(1, 1, 1, 1))``.
        pretrained2d (bool): Defaults to False.
        conv1_kernel, conv1_stride_t, pool1_stride_t, with_pool2, inflate,
        spatial_strides, temporal_strides, **kwargs: see :class:`ResNet3d`
            (defaults changed as above).
    """

    def __init__(self,
                 depth: int = 18,
                 temporal_stride_modes: Optional[Dict[str,
                                                      Sequence[int]]] = None,
                 pretrained: Optional[str] = None,
                 pretrained2d: bool = False,
                 conv1_kernel: Sequence[int] = (3, 7, 7),
                 conv1_stride_t: int = 2,
                 pool1_stride_t: int = 1,
                 with_pool2: bool = False,
                 inflate: Sequence[int] = (1, 1, 1, 1),
                 spatial_strides: Sequence[int] = (1, 2, 2, 2),
                 temporal_strides: Sequence[int] = (1, 1, 2, 2),
                 **kwargs) -> None:
        super().__init__(
            depth=depth,
            pretrained=pretrained,
            pretrained2d=pretrained2d,
            conv1_kernel=conv1_kernel,
            conv1_stride_t=conv1_stride_t,
            pool1_stride_t=pool1_stride_t,
            with_pool2=with_pool2,
            inflate=inflate,
            spatial_strides=spatial_strides,
            temporal_strides=temporal_strides,
            **kwargs)
        if temporal_stride_modes is None:
            temporal_stride_modes = dict(dense=(1, ) * self.num_stages)
        self._strided = [
            self._strided_convs(i) for i in range(self.num_stages)
        ]
        self.default_temporal_strides = tuple(
            int(s) for s in temporal_strides)
        self.temporal_stride_modes = {}
        for name, strides in dict(temporal_stride_modes).items():
            self.temporal_stride_modes[str(name)] = self._check(strides, name)
        for name in self.res_layers:  # checkpointing is done in forward
            for block in getattr(self, name):
                block.with_cp = False

    # ----------------------------------------------------------- switching
    def _strided_convs(self, stage: int) -> List[nn.Conv3d]:
        """The convolutions that carry stage ``stage``'s temporal stride:
        the strided conv of its first block (conv1 of a BasicBlock3d or a
        'caffe' Bottleneck3d, conv2 of a 'pytorch' Bottleneck3d) and the
        downsample shortcut."""
        block = getattr(self, self.res_layers[stage])[0]
        name = 'conv2' if isinstance(block, Bottleneck3d) \
            and block.style == 'pytorch' else 'conv1'
        convs = [getattr(block, name).conv]
        if block.downsample is not None:
            convs.append(block.downsample.conv)
        return convs

    def _check(self, strides: Sequence[int], name) -> Tuple[int, ...]:
        strides = tuple(int(s) for s in strides)
        if len(strides) != self.num_stages or any(s < 1 for s in strides):
            raise ValueError(
                f'{type(self).__name__}: temporal strides {name!r} must be '
                f'{self.num_stages} positive ints, got {strides}')
        for i, s in enumerate(strides):
            if s != 1 and len(self._strided[i]) < 2:
                raise ValueError(
                    f'{type(self).__name__}: stage {i + 1} has no '
                    'downsample shortcut, so its temporal stride must stay '
                    f'1 (mode {name!r}: {strides})')
        return strides

    def resolve_mode(self, mode: StrideMode) -> Tuple[int, ...]:
        """Per-stage temporal strides of ``mode`` (None: the defaults)."""
        if mode is None:
            return self.default_temporal_strides
        if isinstance(mode, str):
            if mode not in self.temporal_stride_modes:
                raise KeyError(
                    f'{type(self).__name__}: unknown stride mode {mode!r}; '
                    f'known: {sorted(self.temporal_stride_modes)}')
            return self.temporal_stride_modes[mode]
        return self._check(mode, mode)

    @contextmanager
    def stride_mode(self, mode: StrideMode) -> Iterator[Tuple[int, ...]]:
        """Temporarily set the temporal strides (restored on exit, also
        after an exception)."""
        strides = self.resolve_mode(mode)
        saved = [[c.stride for c in convs] for convs in self._strided]
        try:
            for convs, t in zip(self._strided, strides):
                for c in convs:
                    c.stride = (t, ) + tuple(c.stride[1:])
            yield strides
        finally:
            for convs, old in zip(self._strided, saved):
                for c, s in zip(convs, old):
                    c.stride = s

    def forward(self, x: Tensor, stride_mode: StrideMode = None):
        """``(B, C, T, H, W)`` -> features of ``out_indices`` with the
        strides of ``stride_mode`` (None: the defaults)."""
        if self.with_cp and torch.is_grad_enabled():
            return self._forward_checkpointed(x, self.resolve_mode(
                stride_mode))
        if stride_mode is None:
            return super().forward(x)
        with self.stride_mode(stride_mode):
            return super().forward(x)

    def _block(self, block: nn.Module, x: Tensor,
               strides: Tuple[int, ...]) -> Tensor:
        with self.stride_mode(strides):
            return block(x)

    def _forward_checkpointed(self, x: Tensor, strides: Tuple[int, ...]):
        """:meth:`ResNet3d.forward` with every residual block
        checkpointed; the recomputation sets ``strides`` again."""
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            for block in getattr(self, name):
                x = cp.checkpoint(self._block, block, x, strides,
                                  use_reentrant=False)
            if i == 0 and self.with_pool2:
                x = self.pool2(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def temporal_downsampling(self, mode: StrideMode = None) -> int:
        """Input frames per output feature frame in ``mode``."""
        total = self.conv1_stride_t * self.pool1_stride_t * (
            2 if self.with_pool2 else 1)
        for s in self.resolve_mode(mode):
            total *= s
        return total
