"""SimSiam (Chen and He 2021): predictor + stop-gradient, no momentum."""
from mmvssl.registry import MODELS
from .cstp import ContrastiveBaseline


@MODELS.register_module()
class SimSiam(ContrastiveBaseline):
    """SimSiam (Chen and He 2021): predictor + stop-gradient, no momentum.

    The plain baseline of CSTP's Table 3: backbone -> global average pool
    -> ``SimSiamHead`` (projector and the framework's loss, weight 1), on
    the two views of each video. Inside CSTP the same head is the
    ``contrastive_head``.

    Args:
        backbone (dict): backbone config.
        head (dict): ``SimSiamHead`` arguments (``type`` may be left
            out).
        view_indices, data_preprocessor, init_cfg: as ``CSTP``.
    """

    head_type = 'SimSiamHead'
