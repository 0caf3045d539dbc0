"""Datasets of mmvssl (the synthetic video generator lives in
``mmvssl.datasets.synthetic`` and is imported on demand)."""
from .ava_kinetics import CheckedAVAKineticsDataset, load_ava_proposals
from .local_global_dataset import (LevelGroupedBatchSampler,
                                   LocalGlobalVideoDataset,
                                   pipeline_level_space)
from .multiview_dataset import MultiViewVideoDataset
from .seeded_sampler import SeededIndex, SeededSampler, sample_seed
from .sot import (GOT10kDataset, OTB2015Dataset, sot_video_collate,
                  SOTPairDataset)
from .video_readers import DecordReader, RawFrameReader, VideoReadError
from .samplers import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403

__all__ = [
    'MultiViewVideoDataset', 'DecordReader', 'RawFrameReader',
    'VideoReadError', 'LocalGlobalVideoDataset',
    'LevelGroupedBatchSampler', 'pipeline_level_space', 'GOT10kDataset',
    'OTB2015Dataset', 'SOTPairDataset', 'sot_video_collate',
    'CheckedAVAKineticsDataset', 'load_ava_proposals', 'SeededSampler',
    'SeededIndex', 'sample_seed'
]
