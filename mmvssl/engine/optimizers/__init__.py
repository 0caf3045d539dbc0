from .autocast_optim_wrapper import (AMP_WRAPPERS, AutocastOptimWrapper,
                                     amp_optim_wrapper_cfg)

__all__ = ['AutocastOptimWrapper', 'amp_optim_wrapper_cfg', 'AMP_WRAPPERS']
