from .gather import (all_reduce_sum, gather_no_grad, gather_with_grad,
                     get_dist_info, global_row_offset)
from .roi_align3d import RoIAlign3D, roi_align_3d

__all__ = [
    'RoIAlign3D', 'roi_align_3d', 'gather_with_grad', 'gather_no_grad',
    'all_reduce_sum', 'get_dist_info', 'global_row_offset'
]
