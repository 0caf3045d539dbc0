"""Narrow compatibility fixes for the pinned OpenMMLab stack on recent torch.

Applied once by ``import mmvssl``; every fix checks whether it is needed and is
a no-op otherwise (each is covered by ``tests/test_utils/test_compat.py``).

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
   and never applied to remote (http/https) files.  The allow-list covers
   every pickle form numpy and mmengine write (``mmengine_safe_globals``;
   ``tests/test_utils/test_safe_load.py``).

3. DataLoader workers outlive a ``kill -9`` of their trainer (torch's own
   watchdog only runs while a worker waits for work).
   :func:`patch_dataloader_workers` gives every loader that
   ``Runner.build_dataloader`` builds a ``worker_init_fn`` that ties the
   worker to its parent (:func:`exit_with_parent`: ``PR_SET_PDEATHSIG``
   plus a parent-pid watchdog thread); :func:`guard_launched_process` does
   the same for the ranks that ``torchrun`` starts.  ``MMVSSL_WORKER_GUARD=0``
   turns both off.

4. mmengine writes checkpoints in place and deletes the checkpoint that
   ``max_keep_ckpts`` retires *before* saving the next one.
   :func:`patch_atomic_checkpoints` writes every local checkpoint through
   :func:`atomic_write` (temporary file in the same folder, flush, fsync,
   rename) and reorders ``CheckpointHook``: save, then ``last_checkpoint``
   (atomically), then delete (also for the best checkpoint it replaces).  ``MMVSSL_ATOMIC_CHECKPOINTS=0`` turns it off.
   (Tests of 3 and 4: ``tests/test_engine/test_reliability.py``,
   ``tests/test_tools/test_faults.py``.)
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
def _numpy_multiarray():
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray
    return multiarray


def mmengine_safe_globals():
    """Every global that mmengine 0.10.7 and numpy put into a checkpoint.

    What the weights-only unpickler must be able to resolve (``GLOBAL``) or
    rebuild (``BUILD``), derived from the pickle forms rather than from one
    checkpoint:

    * numpy arrays of every dtype, including empty and 0-d ones and object
      arrays (whose elements are still unpickled under the same allow-list):
      ``multiarray._reconstruct``, ``ndarray``, ``dtype`` and every concrete
      dtype class (``numpy.dtypes.Float64DType``, ... for the ``BUILD`` of a
      dtype's state); numpy scalars: ``multiarray.scalar``; scalar *types*
      (``np.float32`` stored as a value); the names that numpy 1.x wrote
      (``numpy.core.multiarray.*``) as aliases, so older checkpoints load
      under numpy 2;
    * ``bytes``: protocol-2 pickles (``torch.save``'s default) write an empty
      ``bytes`` (the buffer of an empty array) as ``GLOBAL builtins bytes``;
    * ``collections.OrderedDict`` / ``defaultdict`` and the builtin types a
      ``defaultdict`` uses as its factory;
    * mmengine's ``HistoryBuffer`` (the message hub's ``log_scalars``; the
      hub's state, optimizer and parameter-scheduler states are plain
      containers of tensors and numbers).

    Entries are objects or ``(object, 'qualified.name')`` pairs (aliases).
    """
    import builtins
    import collections

    import numpy as np
    from mmengine.logging import HistoryBuffer

    multiarray = _numpy_multiarray()
    safe = [HistoryBuffer, collections.OrderedDict, collections.defaultdict]
    # defaultdict factories and empty-bytes reconstruction
    safe += [builtins.bytes, builtins.list, builtins.dict, builtins.int,
             builtins.float, builtins.str, builtins.tuple, builtins.bool,
             builtins.set]
    safe += [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar]
    for alias in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        safe += [(multiarray._reconstruct, f'{alias}._reconstruct'),
                 (multiarray.scalar, f'{alias}.scalar')]
    scalar_types = set(np.sctypeDict.values())
    safe += sorted(scalar_types, key=lambda t: t.__name__)
    dtype_classes = {type(np.dtype(t)) for t in scalar_types}
    dtypes_mod = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes_mod is not None:
        dtype_classes |= {
            getattr(dtypes_mod, n) for n in dir(dtypes_mod)
            if n.endswith('DType') and isinstance(getattr(dtypes_mod, n), type)
        }
    safe += sorted(dtype_classes, key=lambda t: t.__name__)
    return safe


def _needs_checkpoint_patch():
    import torch
    from mmengine.utils import digit_version
    return digit_version(torch.__version__) >= digit_version('2.6.0') and \
        hasattr(torch.serialization, 'add_safe_globals')


def _explain_unpickling_error(filename, err, remote=False):
    import pickle
    lines = [line.strip() for line in str(err).splitlines()]
    reason = [line for line in lines
              if 'Unsupported global' in line or 'GLOBAL' in line]
    for i, line in enumerate(lines):  # e.g. "Can only SETITEM for dict"
        if reason or 'WeightsUnpickler error' not in line:
            continue
        rest = line.split('WeightsUnpickler error', 1)[1].strip(' :')
        reason = [rest] if rest else [x for x in lines[i + 1:] if x][:1]
    reason = (reason or [line for line in lines if line] or [''])[0]
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


# ------------------------------------------------------- DataLoader workers
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_guard_enabled():
    return os.environ.get('MMVSSL_WORKER_GUARD', '1') != '0'


def _parent_watchdog(parent_pid, sig, interval):
    import time
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os.kill(os.getpid(), sig)
    time.sleep(10)  # a handled signal (SIGTERM) had its chance to clean up
    os._exit(1)


def exit_with_parent(sig=None, parent_pid=None, interval=0.5):
    """Make the calling process die with its parent process.

    Two mechanisms, both armed: Linux's ``prctl(PR_SET_PDEATHSIG, sig)``
    (the kernel signals this process the moment the parent exits, even if
    this one is blocked in C code or at interpreter exit) and a daemon
    thread that polls ``os.getppid()`` every ``interval`` seconds (other
    platforms; a parent that died before ``prctl`` took effect). ``sig``
    defaults to ``SIGKILL``; ``parent_pid`` (the expected parent) to the
    current parent. Returns True if ``prctl`` was armed.
    """
    import signal
    import threading
    sig = signal.SIGKILL if sig is None else sig
    parent = os.getppid() if parent_pid is None else int(parent_pid)
    armed = False
    if sys.platform.startswith('linux'):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)
    threading.Thread(target=_parent_watchdog, args=(parent, sig, interval),
                     name='mmvssl-parent-watchdog', daemon=True).start()
    return armed


class WorkerInitWithParentGuard:
    """A DataLoader ``worker_init_fn``: :func:`exit_with_parent` (SIGKILL),
    then the wrapped function (mmengine's seeding one, or the config's).
    Picklable, so it also works with the ``spawn`` start method."""

    def __init__(self, init_fn=None):
        self.init_fn = init_fn

    def __call__(self, worker_id):
        import signal
        if os.getppid() == 1:  # the trainer died before this worker started
            os.kill(os.getpid(), signal.SIGKILL)
        exit_with_parent()
        if self.init_fn is not None:
            return self.init_fn(worker_id)

    def __repr__(self):
        return f'{type(self).__name__}({self.init_fn!r})'


def guard_dataloader_workers(loader):
    """Make the worker processes of ``loader`` exit when their parent dies
    (issue 17: after ``kill -9`` of a trainer its persistent workers stayed
    alive for minutes; torch's own watchdog only runs while a worker waits
    for work, not while it is busy or blocked). Returns the loader; a no-op
    without workers or when ``MMVSSL_WORKER_GUARD=0``. Workers must be
    started from a thread that lives as long as the loader (the main thread
    in mmengine's loops): ``PR_SET_PDEATHSIG`` fires when the *thread* that
    forked the worker exits."""
    from torch.utils.data import DataLoader
    if (isinstance(loader, DataLoader) and loader.num_workers > 0
            and _worker_guard_enabled()
            and not isinstance(loader.worker_init_fn,
                               WorkerInitWithParentGuard)):
        loader.worker_init_fn = WorkerInitWithParentGuard(
            loader.worker_init_fn)
    return loader


def patch_dataloader_workers():
    """Guard the workers of every DataLoader that ``Runner.build_dataloader``
    builds (train, val, test loops). Returns True if applied."""
    if _APPLIED.get('workers'):
        return False
    import functools

    from mmengine.runner import Runner
    build = Runner.build_dataloader

    @functools.wraps(build)
    def build_dataloader(*args, **kwargs):
        return guard_dataloader_workers(build(*args, **kwargs))

    Runner.build_dataloader = staticmethod(build_dataloader)
    _APPLIED['workers'] = True
    return True


def guard_launched_process():
    """Under ``torchrun`` (``tools/dist_train.sh``): make this rank exit
    (SIGTERM) when the launcher process dies, so a ``kill -9`` of the
    launcher leaves no rank (and, through the workers' guard, no worker)
    behind. A no-op otherwise: a plain ``python tools/train.py`` must keep
    running when the shell that started it goes away (``nohup``)."""
    import signal
    if 'TORCHELASTIC_RUN_ID' not in os.environ or \
            not _worker_guard_enabled():
        return False
    exit_with_parent(signal.SIGTERM)
    return True


# ----------------------------------------------------- atomic checkpoints
def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_mode():
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(filename, write):
    """Write ``filename`` all-or-nothing: ``write(f)`` fills a temporary
    file in the same folder, which is flushed, fsync-ed and renamed over
    ``filename`` (then the folder is fsync-ed). A crash, a kill or an error
    at any point leaves either the old file or the complete new one, never a
    truncated file; the temporary file is removed on errors (after a
    ``kill -9`` a ``.<name>.*.tmp`` may remain, never under the real name).
    """
    import tempfile
    filename = os.path.abspath(os.path.expanduser(filename))
    folder = os.path.dirname(filename)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{os.path.basename(filename)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())  # mkstemp creates 0600
        os.replace(tmp, filename)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)
    return filename


def atomic_torch_save(obj, filename):
    """``torch.save(obj, filename)`` through :func:`atomic_write`."""
    import torch
    return atomic_write(filename, lambda f: torch.save(obj, f))


def atomic_write_text(text, filename):
    return atomic_write(filename, lambda f: f.write(text.encode('utf-8')))


def _is_local(filename, backend_args=None):
    from mmengine.fileio import LocalBackend, get_file_backend
    if filename.startswith('pavi://'):
        return False
    try:
        backend = get_file_backend(filename, backend_args=backend_args)
    except Exception:
        return False
    return isinstance(backend, LocalBackend)


def _checkpoint_save_with_step(self, runner, step, meta):
    """mmengine 0.10.7's ``CheckpointHook._save_checkpoint_with_step`` in a
    crash-safe order: save the new checkpoint (atomically), then point
    ``last_checkpoint`` at it (atomically), and only then delete the
    checkpoint that ``max_keep_ckpts`` retires. (mmengine deletes first:
    a crash while saving left no checkpoint at all with
    ``max_keep_ckpts=1``.)"""
    from mmengine.dist import is_main_process
    outdated = None
    if self.max_keep_ckpts > 0:
        if not (len(self.keep_ckpt_ids) > 0
                and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
    ckpt_filename = self.filename_tmpl.format(step)
    self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
    runner.message_hub.update_info('last_ckpt', self.last_ckpt)
    runner.save_checkpoint(
        self.out_dir,
        ckpt_filename,
        self.file_client_args,
        save_optimizer=self.save_optimizer,
        save_param_scheduler=self.save_param_scheduler,
        meta=meta,
        by_epoch=self.by_epoch,
        backend_args=self.backend_args,
        **self.args)
    if not is_main_process():
        return
    atomic_write_text(self.last_ckpt,
                      os.path.join(runner.work_dir, 'last_checkpoint'))
    if outdated is not None and outdated != step:
        path = self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(outdated))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed checkpoints
            self.file_backend.rmtree(path)


class _DeferredRemoval:
    """A file backend whose ``remove`` / ``rmtree`` only note the path."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def remove(self, path):
        self.pending.append(('remove', path))

    def rmtree(self, path):
        self.pending.append(('rmtree', path))

    def __getattr__(self, name):
        return getattr(self._backend, name)


def _wrap_save_best(save_best):
    """``CheckpointHook._save_best_checkpoint`` that deletes the previous
    best checkpoint only after the new one is saved (mmengine deletes it
    first)."""
    import functools

    @functools.wraps(save_best)
    def _save_best_checkpoint(self, runner, metrics):
        backend = self.file_backend
        deferred = _DeferredRemoval(backend)
        self.file_backend = deferred
        try:
            save_best(self, runner, metrics)
        finally:
            self.file_backend = backend
        # one key indicator: best_ckpt_path; several: best_ckpt_path_dict
        # (mmengine sets only the one it uses)
        kept = {getattr(self, 'best_ckpt_path', None)} | set(
            (getattr(self, 'best_ckpt_path_dict', None) or {}).values())
        for op, path in deferred.pending:
            if path not in kept:
                getattr(backend, op)(path)

    _save_best_checkpoint.__mmvssl_patched__ = True
    return _save_best_checkpoint


def patch_atomic_checkpoints():
    """Route mmengine's ``save_checkpoint`` (every checkpoint a Runner, the
    ``CheckpointHook`` and its best / published checkpoints write) through
    :func:`atomic_torch_save` for local files, and reorder the hook's
    save / ``last_checkpoint`` / cleanup steps. Returns True if applied."""
    if _APPLIED.get('atomic') or \
            os.environ.get('MMVSSL_ATOMIC_CHECKPOINTS', '1') == '0':
        return False
    import functools

    import mmengine.runner
    import mmengine.runner.checkpoint as ckpt_mod
    import mmengine.runner.runner as runner_mod
    from mmengine.hooks import CheckpointHook
    original = ckpt_mod.save_checkpoint

    @functools.wraps(original)
    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        if file_client_args is None and _is_local(filename, backend_args):
            atomic_torch_save(checkpoint, filename)
        else:
            original(checkpoint, filename, file_client_args=file_client_args,
                     backend_args=backend_args)

    save_checkpoint.__wrapped_original__ = original
    for mod in (ckpt_mod, runner_mod, mmengine.runner):
        mod.save_checkpoint = save_checkpoint
    CheckpointHook._save_checkpoint_with_step = _checkpoint_save_with_step
    if not getattr(CheckpointHook._save_best_checkpoint,
                   '__mmvssl_patched__', False):
        CheckpointHook._save_best_checkpoint = _wrap_save_best(
            CheckpointHook._save_best_checkpoint)
    _APPLIED['atomic'] = True
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
                dataloader_workers=patch_dataloader_workers(),
                atomic_checkpoints=patch_atomic_checkpoints(),
                numpy_nan_alias=patch_numpy_nan_alias())
