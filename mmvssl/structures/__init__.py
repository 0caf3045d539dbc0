"""Data structures shared by datasets, models and losses."""
from .geometry import (GEOMETRY_KEYS, copy_geometry, crop_geometry,
                       flip_geometry, frame_span, new_geometry,
                       resize_geometry, rotate_geometry, rotate_points,
                       source_to_view_boxes, source_to_view_points,
                       unrotate_points, validate_geometry,
                       view_to_source_boxes, view_to_source_points, view_shape)
from .views import (LocalGlobalBatch, geometry_labels, metainfo_of,
                    pretext_labels, record_levels, records_by_view,
                    stacked_boxes, view_names, view_records)

__all__ = [
    'GEOMETRY_KEYS', 'new_geometry', 'validate_geometry', 'crop_geometry',
    'resize_geometry', 'flip_geometry', 'rotate_geometry',
    'source_to_view_points', 'view_to_source_points', 'source_to_view_boxes',
    'view_to_source_boxes', 'rotate_points', 'unrotate_points', 'view_shape',
    'frame_span', 'copy_geometry', 'metainfo_of', 'view_names',
    'records_by_view', 'view_records', 'stacked_boxes', 'geometry_labels',
    'pretext_labels', 'record_levels', 'LocalGlobalBatch'
]
