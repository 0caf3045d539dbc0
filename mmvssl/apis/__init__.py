"""High-level helpers: checkpoint bridge, feature extraction."""
from .checkpoint import (BRANCH_RES5, PLAIN_RES5, LoadResult,
                         check_compatible, convert_backbone_state_dict,
                         extract_backbone_checkpoint, get_state_dict,
                         load_backbone_checkpoint, load_checkpoint_file,
                         publish_checkpoint, sha256_file)
from .features import extract_features, pool_features, sample_label
from .linear_probe import linear_probe, linear_probe_cv, proportion_ci95

__all__ = [
    'BRANCH_RES5', 'PLAIN_RES5', 'LoadResult', 'check_compatible',
    'convert_backbone_state_dict', 'extract_backbone_checkpoint',
    'get_state_dict', 'load_backbone_checkpoint', 'load_checkpoint_file',
    'publish_checkpoint', 'sha256_file', 'extract_features', 'pool_features',
    'sample_label', 'linear_probe', 'linear_probe_cv', 'proportion_ci95'
]
