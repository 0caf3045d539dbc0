"""The region contrast of ConST-CL's local heads (Eq. 5-6), shared by
:class:`ConSTCLHead`, :class:`RegionMLPHead` and
:class:`InstanceReconstructorHead`."""
from typing import Dict, Optional, Sequence

from torch import Tensor

from mmvssl.registry import MODELS

#: ConST-CL's region loss (Eq. 6): tau 0.2, omega 0.001
REGION_LOSS = dict(type='RegionInfoNCELoss', temperature=0.2,
                   loss_weight=0.001)


class RegionContrastMixin:
    """``loss(feats, data_samples)`` of a local head: reconstruct each
    view's regions in the other view's context (``forward``) and contrast
    the predictions with the other view's targets (``project_target``)
    with the head's parameter-free ``loss_module`` (``RegionInfoNCELoss``).

    ``feats`` is ``dict(a=..., b=...)``, one dict per view with ``feats``
    ``(B, N, C)`` region features, ``pos`` ``(B, N, 3)`` their positions,
    ``valid`` ``(B, N)`` and ``context`` / ``context_pos`` (None for
    context length 0), as ``ConSTCL`` builds them from the view records.
    Returns the loss module's dict (``loss``, ``acc``, ``num_anchors``).
    """

    def build_loss(self, loss: Dict) -> None:
        self.loss_module = MODELS.build(loss)

    def loss(self,
             feats: Dict[str, Dict[str, Optional[Tensor]]],
             data_samples: Optional[Sequence] = None) -> Dict[str, Tensor]:
        a, b = feats['a'], feats['b']
        pred_ab = self(a['feats'], a['pos'], b['context'], b['context_pos'])
        pred_ba = self(b['feats'], b['pos'], a['context'], a['context_pos'])
        return self.loss_module(pred_ab, pred_ba, a['feats'], b['feats'],
                                self.project_target(a['feats']),
                                self.project_target(b['feats']), a['valid'],
                                b['valid'])
