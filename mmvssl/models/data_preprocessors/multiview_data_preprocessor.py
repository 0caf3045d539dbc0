"""Data preprocessor for multi-view batches."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmvssl.registry import MODELS
from .photometric import apply_photometric

#: record key of the deferred photometric operations (written by the colour
#: / blur transforms with ``deferred=True``)
PHOTOMETRIC_KEY = 'photometric'


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Stack, normalise and move multi-view video batches.

    Input (what ``MultiViewVideoDataset`` + a collate function give):
    ``dict(inputs=..., data_samples=[B samples])`` where ``inputs`` is one
    entry per view, each either a list of ``B`` uint8 ``(C, T, H, W)``
    tensors (``pseudo_collate``, mmaction2's default) or an already stacked
    ``(B, C, T, H, W)`` tensor (``default_collate``). A list of ``B``
    per-sample view lists (``[[v0, v1], [v0, v1], ...]``) is also accepted
    when ``data_samples`` says how many samples there are.

    Output: ``dict(inputs=[float (B, C, T, H, W) per view, config order],
    data_samples=[B samples])`` on the model's device; every view is
    normalised as ``(x - mean) / std`` per channel (mmaction2 convention: RGB
    in 0-255, e.g. ImageNet ``mean=[123.675, 116.28, 103.53]``,
    ``std=[58.395, 57.12, 57.375]``). Views may differ in size (a global
    video and local clips); all samples of one view must agree. The data
    samples, with their geometry records, are returned untouched.

    Deferred photometric augmentation: when the geometry records of a view
    carry ``photometric`` operations (colour jitter, grayscale, blur,
    solarize drawn in the workers with ``deferred=True``), they are applied
    here to the stacked batch on the model's device, after the optional
    BGR -> RGB swap and before normalisation
    (:func:`~mmvssl.models.data_preprocessors.photometric.apply_photometric`;
    same pixels as applying them in the workers). The records keep the
    operations.

    Args:
        mean (Sequence[float], optional): per-channel mean; ``None`` (with
            ``std=None``) skips normalisation.
        std (Sequence[float], optional): per-channel std.
        to_rgb (bool): swap BGR -> RGB (decord decodes RGB already).
            Defaults to False.
        to_float32 (bool): convert to float32 when not normalising. Defaults
            to True.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 to_rgb: bool = False,
                 to_float32: bool = True) -> None:
        super().__init__()
        if (mean is None) != (std is None):
            raise ValueError('give both `mean` and `std`, or neither')
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            if len(mean) != len(std):
                raise ValueError(f'mean {list(mean)} and std {list(std)} '
                                 'have different lengths')
            if any(s <= 0 for s in std):
                raise ValueError(f'std must be positive, got {list(std)}')
            self.register_buffer(
                'mean',
                torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1, 1),
                False)
            self.register_buffer(
                'std',
                torch.tensor(std, dtype=torch.float32).view(-1, 1, 1, 1),
                False)
        self.to_rgb = to_rgb
        self.to_float32 = to_float32

    @staticmethod
    def _views(inputs) -> List:
        """The collated ``inputs`` as a list with one entry per view."""
        if isinstance(inputs, torch.Tensor):
            return [inputs]  # a single stacked view
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise TypeError('inputs must be a non-empty list with one entry '
                            f'per view, got {type(inputs).__name__}')
        return list(inputs)

    def _stack(self, view, index: int) -> torch.Tensor:
        if isinstance(view, torch.Tensor):
            batch = view
        else:
            shapes = {tuple(t.shape) for t in view}
            if len(shapes) != 1:
                raise ValueError(f'view {index}: samples of one view must '
                                 f'have the same shape, got {sorted(shapes)}')
            batch = torch.stack(list(view))
        if batch.dim() != 5:
            raise ValueError(f'view {index}: expected (B, C, T, H, W) '
                             f'inputs, got shape {tuple(batch.shape)}')
        return batch

    @staticmethod
    def _photometric_ops(data_samples, index: int, batch: torch.Tensor):
        """The deferred operations of view ``index`` per sample, or ``None``
        when no sample has any; checks that no crop or resize ran after
        them."""
        if data_samples is None:
            return None
        ops, found = [], False
        for sample in data_samples:
            records = sample.metainfo.get('geometry') if hasattr(
                sample, 'metainfo') else None
            record = records[index] if records and index < len(records) \
                else {}
            view_ops = record.get(PHOTOMETRIC_KEY) or []
            for op in view_ops:
                box = [float(v) for v in record['crop_box']]
                shape = [int(v) for v in record['img_shape']]
                if op.get('crop_box') != box or op.get('img_shape') != shape:
                    raise ValueError(
                        f'view {index} ({record.get("name")!r}) of '
                        f'{sample.metainfo.get("filename")}: a spatial '
                        'transform cropped or resized the view after the '
                        f'deferred {op["type"]!r} was drawn (crop_box '
                        f'{op.get("crop_box")} -> {box}, img_shape '
                        f'{op.get("img_shape")} -> {shape}); put deferred '
                        'photometric transforms after the crops and resizes')
            found = found or bool(view_ops)
            ops.append(view_ops)
        return ops if found else None

    def forward(self, data: Dict, training: bool = False) -> Dict:
        """Stack each view over the batch, convert, normalise, move."""
        data_samples = data.get('data_samples')
        num = len(data_samples) if data_samples is not None else None
        views = self._views(data['inputs'])
        outputs = []
        for i, view in enumerate(views):
            batch = self.cast_data(self._stack(view, i))
            if self.to_rgb:
                batch = batch[:, [2, 1, 0]]
            ops = self._photometric_ops(data_samples, i, batch)
            if ops is not None:
                if len(ops) != batch.shape[0]:
                    raise ValueError(f'view {i} has {batch.shape[0]} '
                                     f'samples, data_samples has {len(ops)}')
                batch = apply_photometric(batch, ops)
            if self._enable_normalize:
                if batch.shape[1] != self.mean.shape[0]:
                    raise ValueError(
                        f'view {i}: {batch.shape[1]} channels but '
                        f'{self.mean.shape[0]} mean/std values')
                batch = (batch.float() - self.mean) / self.std
            elif self.to_float32:
                batch = batch.float()
            outputs.append(batch)
        if num is not None:
            for i, b in enumerate(outputs):
                if b.shape[0] != num:
                    raise ValueError(f'view {i} has {b.shape[0]} samples, '
                                     f'data_samples has {num}')
        data_samples = self.cast_data(data_samples) \
            if data_samples is not None else None
        return dict(inputs=outputs, data_samples=data_samples)
