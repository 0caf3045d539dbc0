from . import (algorithms, backbones, data_preprocessors, heads, losses,  # noqa
               necks, recognizers, roi_heads, trackers)
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from .roi_heads import *  # noqa: F401,F403
from .trackers import *  # noqa: F401,F403
