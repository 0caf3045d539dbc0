import pytest


@pytest.fixture(scope='module', autouse=True)
def _mmvssl_default_scope():
    """The dataset tests build mmvssl types by name: run each module with
    ``'mmvssl'`` as mmengine's current default scope, whatever scope an
    earlier test module (a Runner of an mmaction2 config) left current;
    restored afterwards."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        yield
