"""MoCo (He et al. 2020): momentum key encoder, queue of negatives."""
from mmvssl.registry import MODELS
from .cstp import ContrastiveBaseline


@MODELS.register_module()
class MoCo(ContrastiveBaseline):
    """MoCo (He et al. 2020): momentum key encoder, queue of negatives.

    The plain baseline of CSTP's Table 3: backbone -> global average pool
    -> ``MoCoHead`` (projector and the framework's loss, weight 1), on
    the two views of each video. Inside CSTP the same head is the
    ``contrastive_head``.

    Args:
        backbone (dict): backbone config.
        head (dict): ``MoCoHead`` arguments (``type`` may be left
            out).
        view_indices, data_preprocessor, init_cfg: as ``CSTP``.
    """

    head_type = 'MoCoHead'
