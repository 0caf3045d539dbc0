"""BYOL (Grill et al. 2020): online predictor regresses a momentum target."""
from mmvssl.registry import MODELS
from .cstp import ContrastiveBaseline


@MODELS.register_module()
class BYOL(ContrastiveBaseline):
    """BYOL (Grill et al. 2020): online predictor regresses a momentum target.

    The plain baseline of CSTP's Table 3: backbone -> global average pool
    -> ``BYOLHead`` (projector and the framework's loss, weight 1), on
    the two views of each video. Inside CSTP the same head is the
    ``contrastive_head``.

    Args:
        backbone (dict): backbone config.
        head (dict): ``BYOLHead`` arguments (``type`` may be left
            out).
        view_indices, data_preprocessor, init_cfg: as ``CSTP``.
    """

    head_type = 'BYOLHead'
