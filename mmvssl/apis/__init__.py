"""High-level helpers: checkpoint bridge, feature extraction, tracking."""
from .checkpoint import (BRANCH_RES5, NON_ARCH_KEYS, PLAIN_RES5,
                         CheckpointMismatchError, LoadResult, backbone_arch,
                         check_compatible, checkpoint_backbone_cfg,
                         compare_arch, convert_backbone_state_dict,
                         convert_pretrained_backbone,
                         extract_backbone_checkpoint, final_checkpoint,
                         get_state_dict,
                         load_backbone_checkpoint, load_checkpoint_file,
                         load_pretrained_backbone,
                         prepare_downstream_checkpoint, publish_checkpoint,
                         sha256_file)
from .features import extract_features, pool_features, sample_label
from .linear_probe import linear_probe, linear_probe_cv, proportion_ci95
from .tracking import track_video

__all__ = [
    'BRANCH_RES5', 'NON_ARCH_KEYS', 'PLAIN_RES5', 'CheckpointMismatchError',
    'LoadResult', 'backbone_arch', 'check_compatible',
    'checkpoint_backbone_cfg', 'compare_arch', 'convert_backbone_state_dict',
    'convert_pretrained_backbone', 'load_pretrained_backbone',
    'prepare_downstream_checkpoint', 'extract_backbone_checkpoint',
    'final_checkpoint',
    'get_state_dict', 'load_backbone_checkpoint', 'load_checkpoint_file',
    'publish_checkpoint', 'sha256_file', 'extract_features', 'pool_features',
    'sample_label', 'linear_probe', 'linear_probe_cv', 'proportion_ci95',
    'track_video'
]
