import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of mmvssl (and mmaction2 / mmdet).

    Args:
        init_default_scope (bool): set the default scope to ``mmvssl`` so that
            unscoped types are looked up in mmvssl first, then in mmaction2.
    """
    import mmaction.utils
    mmaction.utils.register_all_modules(init_default_scope=False)
    try:
        import mmdet.utils
        mmdet.utils.register_all_modules(init_default_scope=False)
    except ImportError as e:  # AVA heads need mmdet; say so early
        warnings.warn(f'mmdet could not be imported ({e}); the AVA configs '
                      'need it: run `make install`.')

    import mmvssl.datasets  # noqa: F401
    import mmvssl.engine  # noqa: F401
    import mmvssl.evaluation  # noqa: F401
    import mmvssl.models  # noqa: F401

    if init_default_scope:
        never_created = DefaultScope.get_current_instance() is None \
            or not DefaultScope.check_instance_created('mmvssl')
        if never_created:
            DefaultScope.get_instance('mmvssl', scope_name='mmvssl')
            return
        current_scope = DefaultScope.get_current_instance()
        if current_scope.scope_name != 'mmvssl':
            warnings.warn(f'The current default scope '
                          f'"{current_scope.scope_name}" is not "mmvssl"; '
                          '`register_all_modules` sets it to "mmvssl".')
            DefaultScope.get_instance(f'mmvssl-{datetime.datetime.now()}',
                                      scope_name='mmvssl')
