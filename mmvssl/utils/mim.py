"""``mmvssl::`` config paths for mmengine and ``mim``.

mmengine 0.10.7 resolves ``_base_ = ['pkg::path/cfg.py']`` only for the
packages in its ``MODULE2PACKAGE`` table, and reads them from
``<package>/.mim/configs`` (``setup.py`` puts links to ``configs/``,
``tools/`` and ``model-index.yml`` there in an editable install, copies in a
wheel). Two things are needed for ``mmvssl::`` to work:

1. ``MODULE2PACKAGE['mmvssl'] = 'mmvssl'``;
2. in an editable (PEP 660) install, ``get_installed_path('mmvssl')`` of
   mmengine and of openmim returns ``site-packages/mmvssl``, which does not
   exist (the dist-info is in site-packages, the package in the checkout):
   it is answered with the directory the package is imported from.

Both are done by :func:`register` (``import mmvssl`` calls it), and, for
processes that load a config before anything imports mmvssl (mmaction2's
``tools/train.py``, the ``mim`` command), by :func:`install`: the
``mmvssl-mim.pth`` start-up file installed with the package loads this file
(only this file: it imports nothing but the standard library) and puts a
finder on ``sys.meta_path`` that applies the two fixes right after
``mmengine.config.config`` (or ``mim.utils``) is imported. It imports no
OpenMMLab module itself, so interpreters that never use mmengine pay a
``find_spec`` and nothing else. ``MMVSSL_NO_MIM_HOOK=1`` switches the
start-up hook off (``import mmvssl`` still registers).
"""
import functools
import importlib.abc
import importlib.util
import os
import os.path as osp
import sys
import warnings

PACKAGE = 'mmvssl'
DISABLE_ENV = 'MMVSSL_NO_MIM_HOOK'
# what setup.py links (editable) or copies (wheel) into mmvssl/.mim
MIM_FILES = ('configs', 'tools', 'model-index.yml')

__all__ = ['register', 'install', 'package_root', 'mim_root', 'PACKAGE']


def package_root():
    """The directory mmvssl is imported from (without importing it)."""
    mod = sys.modules.get(PACKAGE)
    origin = getattr(mod, '__file__', None) if mod is not None else None
    if origin is None:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f'{PACKAGE} is not importable')
        origin = spec.origin
    return osp.dirname(osp.abspath(origin))


def mim_root():
    """``<package>/.mim``: the configs, tools and model index OpenMMLab tools
    look up."""
    return osp.join(package_root(), '.mim')


def _fix_installed_path(orig):
    """Wrap a ``get_installed_path(package)`` (mmengine's or openmim's)."""
    if getattr(orig, '_mmvssl_fixed', False):
        return orig

    @functools.wraps(orig)
    def get_installed_path(package):
        path = orig(package)
        if package == PACKAGE and not osp.isdir(path):
            # PEP 660 editable install: dist-info in site-packages, the
            # package in the checkout (found through the editable finder)
            path = package_root()
        return path

    get_installed_path._mmvssl_fixed = True
    return get_installed_path


def _patch_mmengine(config_module=None):
    """``mmengine.config.config`` has just been imported (or was before)."""
    if config_module is None:
        config_module = sys.modules['mmengine.config.config']
    utils = sys.modules['mmengine.config.utils']
    utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    config_module.get_installed_path = _fix_installed_path(
        config_module.get_installed_path)


def _patch_mim(utils_package=None):
    """``mim.utils`` (openmim) has just been imported (or was before)."""
    if utils_package is None:
        utils_package = sys.modules['mim.utils']
    inner = sys.modules.get('mim.utils.utils')
    for mod in (inner, utils_package):
        if mod is not None and hasattr(mod, 'get_installed_path'):
            mod.get_installed_path = _fix_installed_path(
                mod.get_installed_path)


_TARGETS = {
    'mmengine.config.config': _patch_mmengine,
    'mim.utils': _patch_mim,
}


def register():
    """Make ``mmvssl::`` resolvable in this process (``import mmvssl`` calls
    it): register the package in mmengine's table and fix the editable
    install path; openmim too if it is already imported."""
    import mmengine.config.config  # noqa: F401
    _patch_mmengine()
    if 'mim.utils' in sys.modules:
        _patch_mim()


class _PatchingLoader(importlib.abc.Loader):
    """Runs the wrapped loader, then applies the fix to the new module."""

    def __init__(self, loader, callback):
        self._loader = loader
        self._callback = callback

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            self._callback(module)
        except Exception as e:  # never break the user's import
            warnings.warn(f'mmvssl could not register its configs with '
                          f'{module.__name__}: {e!r}')

    def __getattr__(self, name):  # get_source, get_filename, ... for
        return getattr(self._loader, name)  # tracebacks and inspect


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of the modules in _TARGETS."""

    _mmvssl_hook = True

    def find_spec(self, fullname, path, target=None):
        callback = _TARGETS.get(fullname)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or getattr(finder, '_mmvssl_hook', False):
                continue
            find = getattr(finder, 'find_spec', None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and \
                        hasattr(spec.loader, 'exec_module'):
                    spec.loader = _PatchingLoader(spec.loader, callback)
                return spec
        return None


def install():
    """The start-up hook (``mmvssl-mim.pth``): apply the fixes to mmengine
    and openmim whenever they are imported in this interpreter."""
    if os.environ.get(DISABLE_ENV, '') not in ('', '0'):
        return
    if not any(getattr(f, '_mmvssl_hook', False) for f in sys.meta_path):
        sys.meta_path.insert(0, _PostImportFinder())
    # already imported (a hook run late): patch now
    if 'mmengine.config.config' in sys.modules and \
            'mmengine.config.utils' in sys.modules:
        _patch_mmengine()
    if 'mim.utils' in sys.modules:
        _patch_mim()
