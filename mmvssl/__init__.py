"""mmvssl: self-supervised video representation learning for OpenMMLab 2.x."""
from .utils.compat import apply_all as _apply_compat
from .utils.mim import register as _register_mim
from .version import __version__, version_info

_apply_compat()
_register_mim()  # `mmvssl::path/cfg.py` in _base_ (see mmvssl/utils/mim.py)

__all__ = ['__version__', 'version_info']
