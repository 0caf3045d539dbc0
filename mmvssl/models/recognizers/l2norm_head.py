"""Classification head on L2-normalised features (linear probe / ConST-CL
fine-tuning)."""
import torch.nn.functional as F
from mmaction.models.heads import I3DHead
from torch import Tensor

from mmvssl.registry import MODELS


@MODELS.register_module()
class L2NormI3DHead(I3DHead):
    """mmaction2's :class:`I3DHead` with the pooled feature L2-normalised
    before dropout and the linear classifier.

    ConST-CL (appendix B) feeds l2-normalised features to the classifier in
    linear probing and fine-tuning alike. The layout (``fc_cls``) is that of
    ``I3DHead``, so checkpoints and configs stay interchangeable.

    Args:
        num_classes (int), in_channels (int), loss_cls (dict),
            spatial_type (str), init_std (float): see ``I3DHead``.
        dropout_ratio (float): defaults to 0 (a linear probe); ConST-CL
            fine-tuning uses 0.5.
        l2_normalize (bool): normalise the feature. Defaults to True.
        **kwargs: ``BaseHead`` arguments (``average_clips``, ``topk``, ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 dropout_ratio: float = 0.0,
                 l2_normalize: bool = True,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels,
                         dropout_ratio=dropout_ratio, **kwargs)
        self.l2_normalize = l2_normalize

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__}: {x.shape[1]} feature '
                             f'channels, in_channels={self.in_channels}')
        if self.l2_normalize:
            x = F.normalize(x, dim=1)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)
