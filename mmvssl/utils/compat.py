"""Narrow compatibility fixes for the pinned OpenMMLab stack on recent torch.

Applied once by ``import mmvssl``; every fix checks whether it is needed and is
a no-op otherwise (each is covered by ``tests/test_compat.py``).

1. ``mmaction2==1.2.0``'s wheel lacks ``mmaction/models/localizers/drn/``
   (upstream issue #2714), so ``import mmaction.models`` raises
   ModuleNotFoundError.  :func:`patch_mmaction_drn` registers a placeholder
   module for exactly that package when (and only when) it is missing; the
   placeholder ``DRN`` raises an explanatory error if someone builds it.  An
   mmaction2 installed from source has the package and is left untouched.

2. ``mmengine==0.10.7`` calls ``torch.load`` without ``weights_only``; from
   torch 2.6 the default is ``weights_only=True`` and mmengine's own resume
   checkpoints (``MessageHub`` state with ``HistoryBuffer`` objects and numpy
   arrays / scalars) are refused.  :func:`patch_checkpoint_loading` keeps safe
   loading ON and adds the small, fixed set of types that mmengine writes to
   torch's allow-list of safe globals.  Anything else in a checkpoint is still
   refused; the error names the blocked global, and loading that file with full
   unpickling is an explicit opt-in (``MMVSSL_UNSAFE_LOAD=1``), never
   automatic,
   and never applied to remote (http/https) files.
"""
import importlib.util
import os
import sys
import types
import warnings

_APPLIED = {}


# ------------------------------------------------------------------ mmaction
def _mmaction_drn_missing():
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return False
    root = list(spec.submodule_search_locations)[0]
    localizers = os.path.join(root, 'models', 'localizers')
    return (os.path.isdir(localizers)
            and not os.path.isdir(os.path.join(localizers, 'drn')))


def patch_mmaction_drn():
    """Make ``import mmaction.models`` work on the incomplete 1.2.0 wheel.

    Returns True if the placeholder was installed, False if not needed.
    """
    name = 'mmaction.models.localizers.drn'
    if name in sys.modules or not _mmaction_drn_missing():
        return False

    class DRN:  # noqa: D401 - placeholder with an explanation
        """Placeholder: DRN is missing from the mmaction2 1.2.0 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'mmaction.models.localizers.drn is missing from the '
                'mmaction2 1.2.0 wheel (upstream issue #2714); install '
                'mmaction2 from source to use DRN.')

    pkg = types.ModuleType(name)
    pkg.__path__ = []  # a package, so `from .drn.drn import DRN` resolves
    pkg.__mmvssl_placeholder__ = True
    sub = types.ModuleType(name + '.drn')
    sub.DRN = DRN
    sub.__mmvssl_placeholder__ = True
    pkg.drn = sub
    sys.modules[name] = pkg
    sys.modules[name + '.drn'] = sub
    return True


# ---------------------------------------------------------------- torch.load
def mmengine_safe_globals():
    """The types that mmengine 0.10.7 itself puts into a checkpoint."""
    import collections

    import numpy as np
    from mmengine.logging import HistoryBuffer

    safe = [HistoryBuffer, collections.OrderedDict, collections.defaultdict]
    # numpy arrays and scalars (HistoryBuffer history, seeds, metrics)
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    safe += [np.ndarray, np.dtype, _reconstruct, scalar]
    for t in (np.float64, np.float32, np.float16, np.int64, np.int32,
              np.int16, np.int8, np.uint8, np.bool_):
        safe.append(t)
        safe.append(type(np.dtype(t)))  # e.g. numpy.dtypes.Float64DType
    return safe


def _needs_checkpoint_patch():
    import torch
    from mmengine.utils import digit_version
    return digit_version(torch.__version__) >= digit_version('2.6.0') and \
        hasattr(torch.serialization, 'add_safe_globals')


def _explain_unpickling_error(filename, err, remote=False):
    import pickle
    reason = [line for line in str(err).splitlines()
              if 'Unsupported global' in line or 'GLOBAL' in line]
    reason = (reason or str(err).splitlines() or [''])[0].strip()
    hint = ('download it, inspect it, and load the local file'
            if remote else 'set MMVSSL_UNSAFE_LOAD=1 to unpickle this local '
            'file fully')
    return pickle.UnpicklingError(
        f'Refused to load checkpoint {filename!r} with torch.load('
        f'weights_only=True): {reason}\n'
        'mmvssl keeps safe loading on and allow-lists only the types that '
        'mmengine writes. If you trust this file, add the global named above '
        f'with torch.serialization.add_safe_globals([...]), or {hint}.')


def safe_torch_load(filename, map_location=None):
    """``torch.load`` for local checkpoints, safe by default (module doc)."""
    import pickle

    import torch
    if os.environ.get('MMVSSL_UNSAFE_LOAD', '0') == '1':
        warnings.warn(f'MMVSSL_UNSAFE_LOAD=1: fully unpickling {filename}')
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    try:
        # checkpoints written by a stock mmengine pickle HistoryBuffer's
        # statistics methods as getattr(HistoryBuffer, name); the
        # weights-only unpickler still refuses to call anything returned
        # by getattr that is not itself allow-listed.
        with torch.serialization.safe_globals([getattr]):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as err:
        raise _explain_unpickling_error(filename, err) from err


def safe_load_url(url, model_dir=None, map_location=None, progress=True,
                  check_hash=False, file_name=None):
    """mmengine's ``load_url`` with safe loading (never fully unpickles)."""
    import pickle

    import torch
    try:
        with torch.serialization.safe_globals([getattr]):
            return torch.hub.load_state_dict_from_url(
                url, model_dir=model_dir, map_location=map_location,
                progress=progress, check_hash=check_hash,
                file_name=file_name, weights_only=True)
    except pickle.UnpicklingError as err:
        raise _explain_unpickling_error(url, err, remote=True) from err


def _history_buffer_getstate(self):
    """HistoryBuffer state without its (class-level) statistics methods, so
    the checkpoints mmengine writes need no ``getattr`` to unpickle."""
    state = self.__dict__.copy()
    state.pop('statistics_methods', None)
    return state


def patch_checkpoint_loading():
    """Allow-list mmengine's own checkpoint types; route local loads through
    :func:`safe_torch_load` for a clear error. Returns True if applied."""
    if _APPLIED.get('ckpt') or not _needs_checkpoint_patch():
        return False
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmengine.logging import HistoryBuffer

    torch.serialization.add_safe_globals(mmengine_safe_globals())
    HistoryBuffer.__getstate__ = _history_buffer_getstate

    def load_from_local(filename, map_location):
        filename = os.path.expanduser(filename)
        if not os.path.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return safe_torch_load(filename, map_location=map_location)

    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local,
                                     force=True)
    # http(s)://, open-mmlab://, torchvision://: mmengine downloads through
    # torch.hub.load_state_dict_from_url, whose default is weights_only=False
    import mmengine.runner.checkpoint as mmengine_checkpoint
    mmengine_checkpoint.load_url = safe_load_url
    _APPLIED['ckpt'] = True
    return True


# --------------------------------------------------------------------- numpy
def patch_numpy_nan_alias():
    """mmaction2 1.2.0's AVA evaluation (``ava_evaluation/metrics.py``)
    returns ``np.NAN`` for a class without ground truth; numpy 2 removed
    that alias. Returns True if the alias was added."""
    import numpy as np
    if hasattr(np, 'NAN'):
        return False
    np.NAN = np.nan
    return True


def apply_all():
    """Apply every compat fix that is needed in this environment."""
    return dict(mmaction_drn=patch_mmaction_drn(),
                checkpoint_loading=patch_checkpoint_loading(),
                numpy_nan_alias=patch_numpy_nan_alias())
