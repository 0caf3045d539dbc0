"""Strict ``load_from``: a pre-training checkpoint reaches a downstream model
through the checkpoint bridge, or not at all."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmvssl.apis.checkpoint import prepare_downstream_checkpoint
from mmvssl.registry import HOOKS


@HOOKS.register_module()
class PretrainedBackboneHook(Hook):
    """Make mmengine's ``load_from`` strict for downstream models.

    mmengine loads ``load_from`` (``--cfg-options load_from=CKPT``, the
    checkpoint argument of ``tools/test.py``) with ``strict=False``: a
    checkpoint of another depth, branch or stride configuration "loads" with
    a warning and the evaluated network is partly random. This hook runs in
    ``after_load_checkpoint``, after mmengine has read the file and before
    it copies the weights, and passes the checkpoint through
    :func:`mmvssl.apis.prepare_downstream_checkpoint`:

    * a pre-training checkpoint (no key of the model outside its backbone):
      the SSL necks / heads and the unused res5 branch are dropped and
      listed once in the log; every backbone tensor must load with its
      shape, and the architecture the checkpoint records (``meta['cfg']``)
      must match the model's ``model.backbone`` config except for
      ``allowed_arch_changes``; the classifier / RoI head keeps its
      initialisation;
    * a checkpoint of the downstream model itself (a fine-tuned model given
      to ``tools/test.py``, a resumed run): every key must match.

    Anything else raises :class:`mmvssl.apis.CheckpointMismatchError`
    naming the first keys and both architectures. Without a checkpoint the
    hook does nothing (training from scratch).

    Every downstream config of mmvssl registers it as a default hook, so
    that a child config replacing ``custom_hooks`` keeps it::

        default_hooks = dict(pretrained=dict(type='PretrainedBackboneHook'))

    Args:
        mode (str): ``'auto'`` (default), ``'backbone'`` (take only the
            backbone of any checkpoint, e.g. a model fine-tuned for another
            number of classes) or ``'model'``.
        branch (str, optional): res5 branch of a Y checkpoint;
            ``'auto'``: the backbone's ``out_branch``.
        prefix (str): backbone prefix of the checkpoint keys.
        allowed_arch_changes (sequence of str): backbone config keys the
            protocol changes on purpose (AVA: ``('spatial_strides', )``).
        backbone (str): the model's backbone attribute (and the key of its
            config under ``model``).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 mode: str = 'auto',
                 branch: Optional[str] = 'auto',
                 prefix: str = 'backbone.',
                 allowed_arch_changes: Sequence[str] = (),
                 backbone: str = 'backbone') -> None:
        if mode not in ('auto', 'model', 'backbone'):
            raise ValueError(f"PretrainedBackboneHook: mode={mode!r} is not "
                             "'auto', 'model' or 'backbone'")
        self.mode = mode
        self.branch = branch
        self.prefix = prefix
        self.allowed_arch_changes = tuple(allowed_arch_changes)
        self.backbone = backbone

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model_cfg = runner.cfg.get('model', None) or {}
        arch = model_cfg.get(self.backbone, None) if hasattr(
            model_cfg, 'get') else None
        source = getattr(runner, '_load_from', None) or 'checkpoint'
        prepare_downstream_checkpoint(
            model,
            checkpoint,
            mode=self.mode,
            backbone=self.backbone,
            source=str(source),
            logger=runner.logger,
            branch=self.branch,
            prefix=self.prefix,
            arch=arch,
            allowed_arch_changes=self.allowed_arch_changes)
