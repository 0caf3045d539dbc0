from .gather import (all_reduce_sum, gather_no_grad, gather_with_grad,
                     get_dist_info, global_row_offset,
                     masked_mean_over_processes)
from .pooling import pool_feature, select_feature
from .roi_align3d import roi_align_3d, RoIAlign3D
from .tube_correspondence import (cell_boundaries, cell_membership,
                                  combine_factors, correspondence_factors,
                                  frame_spans, tube_correspondence,
                                  view_corners)

__all__ = [
    'RoIAlign3D', 'roi_align_3d', 'gather_with_grad', 'gather_no_grad',
    'all_reduce_sum', 'get_dist_info', 'global_row_offset',
    'masked_mean_over_processes', 'pool_feature', 'select_feature',
    'tube_correspondence', 'correspondence_factors', 'combine_factors',
    'frame_spans', 'cell_membership', 'cell_boundaries', 'view_corners'
]

