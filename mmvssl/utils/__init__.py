from .compat import apply_all as apply_compat
from .dist import setup_cpu_distributed, teardown_distributed
from .setup_env import register_all_modules

__all__ = ['apply_compat', 'register_all_modules', 'setup_cpu_distributed',
           'teardown_distributed']
