"""Registries, scopes and config inheritance."""
import pytest
from mmengine.config import Config

import mmvssl  # noqa: F401
from mmvssl.registry import DATASETS, MODELS, TRANSFORMS
from mmvssl.utils import register_all_modules

register_all_modules(init_default_scope=False)


def test_registries_are_children_of_mmaction():
    from mmaction.registry import MODELS as MMACTION_MODELS
    assert MODELS.scope == 'mmvssl'
    assert MODELS.parent is MMACTION_MODELS
    assert DATASETS.parent.scope == 'mmaction'
    assert TRANSFORMS.parent.scope == 'mmaction'


def test_mmaction_and_mmdet_types_resolve_from_mmvssl_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        assert MODELS.get('Recognizer3D') is not None  # parent: mmaction
        assert MODELS.get('mmdet.FastRCNN') is not None  # explicit scope
        head = MODELS.build(dict(type='I3DHead', num_classes=3,
                                 in_channels=8))
        assert head.fc_cls.out_features == 3


def test_unknown_type_error_names_the_type():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmvssl'):
        with pytest.raises(KeyError, match='NoSuchBackbone42'):
            MODELS.build(dict(type='NoSuchBackbone42'))


def test_config_inherits_mmaction_base(tmp_path):
    cfg_file = tmp_path / 'inherit.py'
    cfg_file.write_text(
        "_base_ = ['mmaction::_base_/models/tsn_r50.py',\n"
        "          'mmaction::_base_/default_runtime.py']\n"
        "default_scope = 'mmvssl'\n"
        "model = dict(cls_head=dict(num_classes=7))\n")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.type == 'Recognizer2D'
    assert cfg.model.cls_head.num_classes == 7
    assert cfg.default_scope == 'mmvssl'
