"""mmvssl: self-supervised video representation learning for OpenMMLab 2.x."""
from .utils.compat import apply_all as _apply_compat
from .version import __version__, version_info

_apply_compat()

__all__ = ['__version__', 'version_info']
