"""Recognizer with a frozen backbone: the linear probe of any backbone."""
from mmaction.models.recognizers import Recognizer3D

from mmvssl.registry import MODELS


@MODELS.register_module()
class LinearProbeRecognizer3D(Recognizer3D):
    """mmaction2's :class:`Recognizer3D` whose backbone is frozen: no
    parameter of it is trained and its BatchNorm layers stay in eval mode
    (running statistics of the pretraining), whatever the backbone
    (``frozen_stages`` / ``norm_eval`` exist only on some). Only the
    classifier (and a neck, if any) learns. Arguments as
    :class:`Recognizer3D`; the state dict is the same.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.backbone.parameters():
            param.requires_grad_(False)
        self.backbone.eval()

    def train(self, mode: bool = True) -> 'LinearProbeRecognizer3D':
        super().train(mode)
        self.backbone.eval()
        return self
