"""Checkpoint bridge: self-supervised checkpoints -> downstream backbones.

A pre-training checkpoint of an mmvssl algorithm holds the whole model:
``backbone.*`` plus the SSL necks / heads (``neck.*``, ``head.*``, momentum
encoders, ...). For a ConST-CL Y-network (:class:`ResNet3dY`) the backbone has
two res5 stages: ``layer4`` (global branch, ``C5_g``) and ``layer4_r`` (local
branch, ``C5_r``). Downstream models take **one** branch:

* a plain mmaction2 ``ResNet3d`` (or any single-res5 backbone) calls its res5
  ``layer4``: the chosen branch is renamed to ``layer4``;
* a ``ResNet3dY(out_branch=...)`` keeps the branch under its own name
  (``layer4`` / ``layer4_r``), so the chosen branch is loaded there.

:func:`load_backbone_checkpoint` works out which case applies from the
target module's own parameter names.
"""
import hashlib
import inspect
import os
import os.path as osp
from collections import OrderedDict, namedtuple
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

#: res5 module name of each branch in a Y checkpoint (``ResNet3dY``)
BRANCH_RES5 = {'global': 'layer4', 'local': 'layer4_r'}
#: res5 module name of a plain (single-branch) backbone
PLAIN_RES5 = 'layer4'
#: checkpoint entries kept by :func:`publish_checkpoint`
PUBLISHED_KEYS = ('state_dict', 'meta')

LoadResult = namedtuple('LoadResult',
                        ['loaded_keys', 'missing_keys', 'unexpected_keys'])
#: backbone config keys that change how a network is trained or
#: initialised, not what its weights compute (ignored when the architecture
#: of a checkpoint is compared with a downstream backbone)
NON_ARCH_KEYS = frozenset({
    'pretrained', 'pretrained2d', 'init_cfg', 'frozen_stages', 'norm_eval',
    'with_cp', 'out_branch', 'loss_endpoints', 'zero_init_residual',
    'bn_frozen', 'partial_bn', 'requires_grad', 'init_std'
})


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model it is loaded into (missing,
    unexpected or mis-shaped backbone keys, another architecture)."""


def final_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint a run's ``work_dir/last_checkpoint`` names, or None
    when there is none or the file it names is gone."""
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def load_checkpoint_file(filename: str, map_location='cpu') -> dict:
    """Read a checkpoint from a path or URL with mmengine's loaders (the
    mmvssl compat layer keeps ``torch.load`` in safe mode)."""
    return CheckpointLoader.load_checkpoint(filename, map_location)


def get_state_dict(checkpoint: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """The model weights of a checkpoint: ``checkpoint['state_dict']`` when
    present (mmengine), else the mapping itself; a ``module.`` prefix
    (DistributedDataParallel) common to all keys is removed."""
    if not isinstance(checkpoint, Mapping):
        raise TypeError('a checkpoint must be a dict, got '
                        f'{type(checkpoint).__name__}')
    sd = checkpoint.get('state_dict', checkpoint)
    sd = OrderedDict((k, v) for k, v in sd.items()
                     if isinstance(v, torch.Tensor))
    if sd and all(k.startswith('module.') for k in sd):
        sd = OrderedDict((k[len('module.'):], v) for k, v in sd.items())
    return sd


def _under(key: str, name: str) -> bool:
    return key == name or key.startswith(name + '.')


def _short_list(keys: List[str], limit: int = 10) -> str:
    if len(keys) <= limit:
        return ', '.join(keys)
    return ', '.join(keys[:limit]) + f', ... ({len(keys) - limit} more)'


def convert_backbone_state_dict(
        state_dict: Mapping[str, torch.Tensor],
        branch: Optional[str] = None,
        prefix: Optional[str] = 'backbone.',
        target_res5: str = PLAIN_RES5,
        branch_res5: Optional[Dict[str, str]] = None
) -> 'OrderedDict[str, torch.Tensor]':
    """Backbone weights of a (pre-training) state dict, one branch selected.

    Args:
        state_dict: model weights (see :func:`get_state_dict`).
        branch (str, optional): ``'global'`` / ``'local'``: keep that
            branch's res5 (renamed to ``target_res5``) and drop the other
            branch; ``None`` keeps every backbone key unchanged.
        prefix (str, optional): keys of the backbone start with it (removed
            in the output); everything else (SSL necks, heads, momentum
            encoders) is dropped. When no key starts with ``prefix`` the
            state dict is taken to be backbone-only already. ``None`` or
            ``''``: no prefix.
        target_res5 (str): name of the selected branch in the output.
        branch_res5 (dict, optional): res5 name of each branch in the
            checkpoint; defaults to :data:`BRANCH_RES5`.

    Returns:
        OrderedDict: backbone keys without the prefix.

    Raises:
        KeyError: ``branch`` is unknown or the checkpoint lacks its keys.
    """
    branch_res5 = dict(branch_res5 or BRANCH_RES5)
    if prefix and any(k.startswith(prefix) for k in state_dict):
        sd = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                         if k.startswith(prefix))
    else:
        sd = OrderedDict(state_dict)
    if branch is None:
        return sd
    if branch not in branch_res5:
        raise KeyError(f'branch={branch!r} is not one of '
                       f'{sorted(branch_res5)}')
    src = branch_res5[branch]
    others = {n for b, n in branch_res5.items() if b != branch and n != src}
    if not any(_under(k, src) for k in sd):
        raise KeyError(
            f'the checkpoint has no {branch!r} branch: no backbone key '
            f'starts with {src + "."!r} (backbone keys: '
            f'{_short_list(sorted({k.split(".")[0] for k in sd}))})')
    out = OrderedDict()
    for k, v in sd.items():
        if any(_under(k, n) for n in others):
            continue
        if _under(k, src):
            k = target_res5 + k[len(src):]
        out[k] = v
    return out


def _target_res5(module: nn.Module, branch: str,
                 branch_res5: Dict[str, str]) -> str:
    """Where ``branch`` goes in ``module``: its own name if the module has
    it (a ``ResNet3dY``), else the plain res5 name."""
    native = branch_res5[branch]
    names = module.state_dict().keys()
    return native if any(_under(k, native) for k in names) else PLAIN_RES5


def check_compatible(module: nn.Module,
                     state_dict: Mapping[str, torch.Tensor],
                     source: str = 'checkpoint') -> None:
    """Refuse weights of another architecture.

    Raises:
        ValueError: no key of ``state_dict`` is a key of ``module``, or a
            shared key has another shape (the message names the first one,
            in the module's order).
    """
    target = module.state_dict()
    shared = [k for k in target if k in state_dict]
    if not shared:
        raise ValueError(
            f'{source} holds no weights of this backbone '
            f'({type(module).__name__}): none of its '
            f'{len(state_dict)} keys matches (checkpoint keys: '
            f'{_short_list(list(state_dict), 5)}; expected keys like '
            f'{_short_list(list(target), 5)}). Wrong checkpoint or wrong '
            '`prefix`?')
    for k in shared:
        if tuple(target[k].shape) != tuple(state_dict[k].shape):
            raise ValueError(
                f'{source} does not fit {type(module).__name__}: first '
                f'mismatching key {k!r} has shape '
                f'{tuple(state_dict[k].shape)} in the checkpoint and '
                f'{tuple(target[k].shape)} in the model (another depth, '
                'width or kernel configuration?)')


def load_backbone_checkpoint(module: nn.Module,
                             checkpoint: Union[str, Mapping],
                             branch: Optional[str] = None,
                             prefix: Optional[str] = 'backbone.',
                             strict: bool = False,
                             map_location='cpu',
                             branch_res5: Optional[Dict[str, str]] = None,
                             logger='current') -> LoadResult:
    """Load the backbone of a (self-supervised) checkpoint into ``module``.

    Keys under ``prefix`` are kept (SSL necks and heads are dropped); with
    ``branch`` set, that res5 branch of a Y checkpoint is loaded into the
    module's res5 (``layer4`` of a plain ``ResNet3d``, or the branch's own
    module of a ``ResNet3dY``) and the other branch is dropped. Before
    anything is loaded the weights are checked against the module: a
    checkpoint of another architecture is refused. Missing and unexpected
    keys are logged (``logger``, mmengine's ``print_log``).

    Args:
        module (nn.Module): the backbone (e.g. ``ResNet3d`` or
            ``ResNet3dY(out_branch='local')``).
        checkpoint (str | dict): path, URL (``http(s)://``, anything
            mmengine's ``CheckpointLoader`` reads) or a loaded checkpoint.
        branch (str, optional): ``'global'`` / ``'local'`` / ``None`` (no
            renaming).
        prefix (str, optional): backbone prefix in the checkpoint. Defaults
            to ``'backbone.'``.
        strict (bool): raise if the module has keys the checkpoint lacks.
        map_location: as ``torch.load``.
        branch_res5 (dict, optional): res5 name per branch in the checkpoint
            (defaults to :data:`BRANCH_RES5`: ``layer4`` / ``layer4_r``).
        logger: mmengine logger or ``'current'`` / ``'silent'`` / None.

    Returns:
        LoadResult: ``loaded_keys``, ``missing_keys``, ``unexpected_keys``.

    Raises:
        KeyError: the checkpoint lacks the requested branch.
        ValueError: wrong architecture (no shared key, or a shape mismatch),
            or missing keys with ``strict=True``.
    """
    source = checkpoint if isinstance(checkpoint, str) else 'checkpoint'
    if isinstance(checkpoint, str):
        checkpoint = load_checkpoint_file(checkpoint, map_location)
    branch_res5 = dict(branch_res5 or BRANCH_RES5)
    full = get_state_dict(checkpoint)
    target_res5 = PLAIN_RES5 if branch is None else _target_res5(
        module, branch, branch_res5)
    sd = convert_backbone_state_dict(
        full, branch=branch, prefix=prefix, target_res5=target_res5,
        branch_res5=branch_res5)
    check_compatible(module, sd, source=str(source))
    result = module.load_state_dict(sd, strict=False)
    missing, unexpected = list(result.missing_keys), list(
        result.unexpected_keys)
    loaded = [k for k in sd if k not in set(unexpected)]
    dropped = len(full) - len(sd)
    what = f'branch {branch!r} -> {target_res5!r}' if branch else 'backbone'
    print_log(
        f'load_backbone_checkpoint({source}): {what}: loaded {len(loaded)} '
        f'tensors; dropped {dropped} non-backbone / other-branch tensors',
        logger=logger)
    if missing:
        print_log(f'missing keys in the checkpoint (kept at their '
                  f'initialisation): {_short_list(missing)}',
                  logger=logger, level=30)
    if unexpected:
        print_log(f'unexpected keys (ignored): {_short_list(unexpected)}',
                  logger=logger, level=30)
    if strict and missing:
        raise ValueError(f'{source}: missing keys with strict=True: '
                         f'{_short_list(missing)}')
    return LoadResult(loaded, missing, unexpected)


def _plain(obj):
    """ConfigDict / dict / list / tuple -> plain dict / tuple (comparable)."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return tuple(_plain(v) for v in obj)
    return obj


def _backbone_class(type_name):
    """The class a backbone ``type`` names (mmvssl, mmaction2 or mmdet
    registry), or None."""
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    from mmvssl.registry import MODELS
    name = type_name.split('.')[-1]
    cls = MODELS.get(name)
    if cls is None:
        try:
            from mmdet.registry import MODELS as MMDET_MODELS
            cls = MMDET_MODELS.get(name)
        except ImportError:  # pragma: no cover
            cls = None
    return cls


def _init_defaults(cls) -> dict:
    """Default arguments of ``cls.__init__``, following ``**kwargs`` up the
    MRO (a subclass's default wins)."""
    out = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):  # pragma: no cover
            break
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or \
                    p.name == 'self':
                continue
            if p.default is not inspect.Parameter.empty:
                out.setdefault(p.name, _plain(p.default))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return out


def backbone_arch(cfg: Mapping) -> dict:
    """What a backbone config computes: its arguments with the class
    defaults filled in, without :data:`NON_ARCH_KEYS` (``norm_cfg`` without
    ``requires_grad``; SyncBN counts as BN3d)."""
    cfg = _plain(cfg)
    cls = _backbone_class(cfg.get('type'))
    arch = _init_defaults(cls) if cls is not None else {}
    arch.update({k: v for k, v in cfg.items() if k != 'type'})
    arch = {k: v for k, v in arch.items() if k not in NON_ARCH_KEYS}
    norm = arch.get('norm_cfg')
    if isinstance(norm, Mapping):
        norm = {k: v for k, v in norm.items() if k != 'requires_grad'}
        if norm.get('type') in ('SyncBN', 'MMSyncBN'):
            norm['type'] = 'BN3d'
        arch['norm_cfg'] = norm
    arch['type'] = cls.__name__ if cls is not None else str(
        cfg.get('type')).split('.')[-1]
    return arch


def compare_arch(checkpoint_cfg: Mapping, model_cfg: Mapping,
                 allowed: Iterable[str] = ()) -> List[str]:
    """Differences between the backbone a checkpoint was trained with and a
    model's backbone config (``key: checkpoint value vs model value``),
    ignoring :data:`NON_ARCH_KEYS` and the keys in ``allowed`` (changes a
    downstream protocol makes on purpose, e.g. AVA's res5 stride)."""
    a, b = backbone_arch(checkpoint_cfg), backbone_arch(model_cfg)
    allowed = set(allowed)
    unset = '<unset>'
    return [
        f'{k}={a.get(k, unset)!r} in the checkpoint, {b.get(k, unset)!r} '
        'in the model' for k in sorted(set(a) | set(b))
        if k not in allowed and a.get(k, unset) != b.get(k, unset)
    ]


def describe_backbone(cfg: Optional[Mapping]) -> Optional[str]:
    """``Type(k=v, ...)`` of a backbone config (None for None)."""
    if cfg is None:
        return None
    cfg = _plain(cfg)
    args = ', '.join(f'{k}={v!r}' for k, v in cfg.items() if k != 'type')
    return f'{str(cfg.get("type")).split(".")[-1]}({args})'


def checkpoint_backbone_cfg(checkpoint: Mapping) -> Optional[dict]:
    """``model.backbone`` of the config an mmengine runner stored in the
    checkpoint (``meta['cfg']``, kept by :func:`publish_checkpoint` and
    :func:`extract_backbone_checkpoint`); None when it is not recorded."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, Mapping) else None
    text = meta.get('cfg') if isinstance(meta, Mapping) else None
    if not text:
        return None
    if isinstance(text, Mapping):
        cfg = text
    else:
        from mmengine.config import Config
        try:
            cfg = Config.fromstring(text, '.py')
        except Exception:  # an unreadable record: no architecture check
            return None
    model = cfg.get('model', None)  # a Config is not a Mapping
    backbone = model.get('backbone') if isinstance(model, Mapping) else None
    return _plain(backbone) if isinstance(backbone, Mapping) else None


def _modules_of(keys: Iterable[str]) -> str:
    return ', '.join(sorted({k.split('.')[0] for k in keys}))


def _dropped_groups(full: Mapping, kept_sources: set, prefix: str) -> str:
    """``neck.* (8), backbone.layer4.* (30)`` for the unused keys."""
    counts = OrderedDict()
    for k in full:
        if k in kept_sources:
            continue
        if prefix and k.startswith(prefix):
            rest = k[len(prefix):].split('.')
            group = prefix + rest[0]
        else:
            group = k.split('.')[0]
        counts[group] = counts.get(group, 0) + 1
    return ', '.join(f'{g}.* ({n})' for g, n in counts.items()) or 'nothing'


def convert_pretrained_backbone(
        module: nn.Module,
        checkpoint: Mapping,
        branch: Optional[str] = 'auto',
        prefix: Optional[str] = 'backbone.',
        arch: Optional[Mapping] = None,
        allowed_arch_changes: Sequence[str] = (),
        branch_res5: Optional[Dict[str, str]] = None,
        source: str = 'checkpoint') -> 'tuple[OrderedDict, str]':
    """The backbone weights of a (pre-training) checkpoint for ``module``,
    checked strictly; nothing is loaded.

    SSL necks / heads / momentum encoders (every key outside ``prefix``) and
    the other res5 branch of a Y checkpoint are dropped. Then every tensor
    of ``module`` must come from the checkpoint with its shape, and every
    remaining backbone tensor of the checkpoint must have a place in
    ``module``. When the checkpoint records its config (``meta['cfg']``,
    written by mmengine's runner) and ``arch`` (the model's backbone
    config) is given, both architectures must agree on every key but
    :data:`NON_ARCH_KEYS` and ``allowed_arch_changes``: strides, pooling,
    depth or kernels that change no weight shape are caught there.

    Args:
        module: the downstream backbone.
        checkpoint: a loaded checkpoint (dict).
        branch: ``'global'`` / ``'local'``: the res5 branch of a Y
            checkpoint; ``'auto'`` (default): the module's ``out_branch``
            when it has one, else None (keys kept as they are).
        prefix: backbone prefix of the checkpoint keys.
        arch: the model's backbone config (for the architecture check and
            the error messages).
        allowed_arch_changes: architecture keys the downstream protocol may
            change (e.g. ``('spatial_strides', )`` for AVA's res5 stride 1).
        branch_res5: see :func:`convert_backbone_state_dict`.
        source: how the checkpoint is named in messages.

    Returns:
        tuple: ``(state_dict, dropped)``: the weights for
        ``module.load_state_dict(..., strict=True)`` and a one-line list of
        the dropped key groups.

    Raises:
        CheckpointMismatchError: the message names the first offending keys
        and both architectures.
    """
    branch_res5 = dict(branch_res5 or BRANCH_RES5)
    full = get_state_dict(checkpoint)
    if branch == 'auto':
        branch = getattr(module, 'out_branch', None)
    ckpt_cfg = checkpoint_backbone_cfg(checkpoint)
    has_prefix = bool(prefix) and any(k.startswith(prefix) for k in full)
    ckpt_backbone = [k[len(prefix):] for k in full
                     if k.startswith(prefix)] if has_prefix else list(full)

    def both_archs():
        ck = describe_backbone(ckpt_cfg) or (
            f'not recorded; its backbone modules: '
            f'{_modules_of(ckpt_backbone) or "none"}')
        md = describe_backbone(arch) or type(module).__name__
        return (f'Checkpoint backbone: {ck}. Model backbone: {md} '
                f'(modules: {_modules_of(module.state_dict())}).')

    target_res5 = PLAIN_RES5 if branch is None else (
        _target_res5(module, branch, branch_res5)
        if branch in branch_res5 else PLAIN_RES5)
    try:
        sd = convert_backbone_state_dict(
            full, branch=branch, prefix=prefix, target_res5=target_res5,
            branch_res5=branch_res5)
    except KeyError as e:
        raise CheckpointMismatchError(
            f'{source}: {e.args[0]}. {both_archs()}') from None
    target = module.state_dict()
    problems = []
    if not any(k in target for k in sd):
        problems.append(
            f'none of its {len(sd)} backbone keys is a key of the model '
            f'(checkpoint keys like {_short_list(list(sd), 3)}; model keys '
            f'like {_short_list(list(target), 3)}; wrong checkpoint or '
            f'prefix {prefix!r}?)')
    else:
        shape = [k for k in target
                 if k in sd and tuple(sd[k].shape) != tuple(target[k].shape)]
        missing = [k for k in target if k not in sd]
        unexpected = [k for k in sd if k not in target]
        if shape:
            k = shape[0]
            problems.append(
                f'{len(shape)} tensors have another shape, first {k!r}: '
                f'{tuple(sd[k].shape)} in the checkpoint, '
                f'{tuple(target[k].shape)} in the model')
        if missing:
            problems.append(
                f'{len(missing)} backbone tensors of the model are not in '
                f'the checkpoint (they would stay randomly initialised): '
                f'{_short_list(missing, 5)}')
        if unexpected:
            problems.append(
                f'{len(unexpected)} backbone tensors of the checkpoint have '
                f'no place in the model: {_short_list(unexpected, 5)}')
    if ckpt_cfg is not None and arch is not None:
        diffs = compare_arch(ckpt_cfg, arch, allowed_arch_changes)
        if diffs:
            problems.append('the architectures differ: ' +
                            '; '.join(diffs[:6]))
    if problems:
        raise CheckpointMismatchError(
            f'{source} does not load strictly into the '
            f'{type(module).__name__} backbone: ' + '; '.join(problems) +
            '. ' + both_archs())
    # the source key of every kept tensor, to list what was dropped
    src = branch_res5.get(branch) if branch else None
    kept = set()
    for k in sd:
        orig = k
        if src and _under(k, target_res5):
            orig = src + k[len(target_res5):]
        kept.add((prefix + orig) if has_prefix else orig)
    return sd, _dropped_groups(full, kept, prefix if has_prefix else '')


def load_pretrained_backbone(module: nn.Module,
                             checkpoint: Union[str, Mapping],
                             branch: Optional[str] = 'auto',
                             prefix: Optional[str] = 'backbone.',
                             arch: Optional[Mapping] = None,
                             allowed_arch_changes: Sequence[str] = (),
                             map_location='cpu',
                             branch_res5: Optional[Dict[str, str]] = None,
                             logger='current') -> LoadResult:
    """Strictly load the backbone of a pre-training checkpoint into
    ``module`` (see :func:`convert_pretrained_backbone` for the checks);
    the dropped key groups are logged once.

    Returns:
        LoadResult: every module key loaded, nothing missing or unexpected.
    """
    source = checkpoint if isinstance(checkpoint, str) else 'checkpoint'
    if isinstance(checkpoint, str):
        checkpoint = load_checkpoint_file(checkpoint, map_location)
    sd, dropped = convert_pretrained_backbone(
        module, checkpoint, branch=branch, prefix=prefix, arch=arch,
        allowed_arch_changes=allowed_arch_changes, branch_res5=branch_res5,
        source=str(source))
    module.load_state_dict(sd, strict=True)
    print_log(
        f'pretrained backbone from {source}: loaded all {len(sd)} tensors '
        f'of {type(module).__name__}; dropped {dropped}', logger=logger)
    return LoadResult(list(sd), [], [])


def prepare_downstream_checkpoint(model: nn.Module,
                                  checkpoint: dict,
                                  mode: str = 'auto',
                                  backbone: str = 'backbone',
                                  source: str = 'checkpoint',
                                  logger='current',
                                  **convert_kwargs) -> str:
    """Check a checkpoint against a downstream model strictly and rewrite
    ``checkpoint['state_dict']`` in place so that a plain
    ``load_state_dict`` of it (mmengine's ``load_from``) loads exactly the
    checked weights (what :class:`mmvssl.engine.PretrainedBackboneHook`
    does after mmengine read ``load_from``).

    Modes:

    * ``'model'``: a checkpoint of this downstream model (a fine-tuned
      recognizer, detector, tracker; a resumed run): every key of the model
      must be in it with its shape, and it must hold nothing else;
    * ``'backbone'``: a pre-training (or extracted backbone) checkpoint:
      :func:`convert_pretrained_backbone` into ``model.<backbone>``; the
      other modules of the model (classifier, RoI head) keep their
      initialisation;
    * ``'auto'``: ``'model'`` when the checkpoint holds any key of the
      model outside its backbone, else ``'backbone'``.

    Returns:
        str: the mode used.

    Raises:
        CheckpointMismatchError: naming the first offending keys.
    """
    if mode not in ('auto', 'model', 'backbone'):
        raise ValueError(f"mode={mode!r} is not 'auto', 'model' or "
                         "'backbone'")
    full = get_state_dict(checkpoint)
    own = model.state_dict()
    pre = backbone + '.'
    head_keys = [k for k in own if not k.startswith(pre)]
    if mode == 'auto':
        mode = 'model' if any(k in full for k in head_keys) else 'backbone'
    if mode == 'model':
        missing = [k for k in own if k not in full]
        unexpected = [k for k in full if k not in own]
        shape = [k for k in own if k in full
                 and tuple(full[k].shape) != tuple(own[k].shape)]
        problems = []
        if shape:
            k = shape[0]
            problems.append(f'{len(shape)} tensors have another shape, first '
                            f'{k!r}: {tuple(full[k].shape)} in the '
                            f'checkpoint, {tuple(own[k].shape)} in the model')
        if missing:
            problems.append(f'{len(missing)} tensors of the model are not in '
                            f'it: {_short_list(missing, 5)}')
        if unexpected:
            problems.append(f'{len(unexpected)} of its tensors have no place '
                            f'in the model: {_short_list(unexpected, 5)}')
        if problems:
            raise CheckpointMismatchError(
                f'{source} holds weights of a {type(model).__name__} (keys '
                f'outside the backbone: {_modules_of(head_keys)}) but does '
                f'not fit this one: ' + '; '.join(problems) + '. To start '
                'from its backbone only (e.g. another number of classes), '
                "set default_hooks.pretrained.mode='backbone'.")
        new = OrderedDict((k, full[k]) for k in own)
        print_log(f'{source}: a checkpoint of this {type(model).__name__}; '
                  f'all {len(new)} tensors match', logger=logger)
    else:
        module = getattr(model, backbone, None)
        if not isinstance(module, nn.Module):
            raise AttributeError(f'{type(model).__name__} has no backbone '
                                 f'module {backbone!r}')
        sd, dropped = convert_pretrained_backbone(
            module, checkpoint, source=source, **convert_kwargs)
        new = OrderedDict((pre + k, v) for k, v in sd.items())
        for k in head_keys:  # keep the (random) initialisation
            new[k] = own[k]
        print_log(
            f'{source}: pre-trained backbone: loaded all {len(sd)} tensors '
            f'of {type(module).__name__}; dropped {dropped}; initialised '
            f'here: {_modules_of(head_keys) or "nothing"}', logger=logger)
    if isinstance(checkpoint.get('state_dict'), Mapping):
        checkpoint['state_dict'] = new
    else:
        checkpoint.clear()
        checkpoint.update(new)
    return mode


def extract_backbone_checkpoint(checkpoint: Union[str, Mapping],
                                out_file: Optional[str] = None,
                                branch: Optional[str] = None,
                                prefix: str = 'backbone.',
                                branch_res5: Optional[Dict[str, str]] = None
                                ) -> dict:
    """A backbone-only checkpoint, in the layout of a recognizer.

    The output is ``dict(state_dict=..., meta=...)`` whose keys keep the
    ``backbone.`` prefix, with the selected branch (if any) renamed to the
    plain res5 ``layer4``. So it loads

    * as ``load_from = OUT`` in an mmaction2 recognizer config
      (``Recognizer3D`` with ``ResNet3d`` / ``ResNet3dY(out_branch=
      'global')``; the head keys are reported missing, nothing unexpected);
    * as ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` on the
      recognizer, or ``dict(type='Pretrained', checkpoint=OUT,
      prefix='backbone.')`` on a backbone that honours ``init_cfg``;
    * with :func:`load_backbone_checkpoint` into any of them.

    Without ``branch`` every backbone key is kept unchanged (a Y backbone
    keeps both branches and loads into ``ResNet3dY(out_branch=None)``).

    Args:
        checkpoint (str | dict): path / URL or loaded checkpoint.
        out_file (str, optional): where to save it.
        branch, prefix, branch_res5: see :func:`convert_backbone_state_dict`.

    Returns:
        dict: the backbone checkpoint.
    """
    source = checkpoint if isinstance(checkpoint, str) else None
    if isinstance(checkpoint, str):
        checkpoint = load_checkpoint_file(checkpoint)
    full = get_state_dict(checkpoint)
    sd = convert_backbone_state_dict(
        full, branch=branch, prefix=prefix, target_res5=PLAIN_RES5,
        branch_res5=branch_res5)
    if not sd:
        raise ValueError('the checkpoint holds no backbone weights')
    meta = dict(checkpoint.get('meta') or {}) if isinstance(
        checkpoint, Mapping) else {}
    meta.pop('message_hub', None)
    meta.update(mmvssl_backbone=dict(branch=branch, source=source,
                                     prefix='backbone.'))
    out = dict(
        state_dict=OrderedDict(('backbone.' + k, v.detach().cpu().clone())
                               for k, v in sd.items()),
        meta=meta)
    if out_file is not None:
        from mmvssl.utils.compat import atomic_torch_save
        atomic_torch_save(out, out_file)  # all-or-nothing (README)
    return out


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def publish_checkpoint(in_file: str, out_file: str) -> str:
    """Strip a training checkpoint for release, OpenMMLab style.

    Only ``state_dict`` and ``meta`` are kept (the optimizer state, message
    hub, parameter-scheduler state and any EMA copy are dropped), the file is
    saved, and the first 8 hex digits of its sha256 are appended to its name:
    ``OUT.pth`` -> ``OUT-<hash8>.pth`` (the name form that
    ``torch.hub``'s ``check_hash`` verifies).

    Returns:
        str: the final path.
    """
    checkpoint = load_checkpoint_file(in_file)
    if 'state_dict' not in checkpoint:
        checkpoint = dict(state_dict=checkpoint)
    out = {k: checkpoint[k] for k in PUBLISHED_KEYS if k in checkpoint}
    out['state_dict'] = get_state_dict(out['state_dict'])
    if 'meta' in out:
        out['meta'] = {k: v for k, v in out['meta'].items()
                       if k not in ('message_hub', 'optimizer')}
    stem = out_file[:-len('.pth')] if out_file.endswith('.pth') else out_file
    os.makedirs(osp.dirname(osp.abspath(stem)), exist_ok=True)
    tmp = stem + '.pth.tmp'
    from mmvssl.utils.compat import atomic_torch_save
    atomic_torch_save(out, tmp)  # complete and on disk before the rename
    final = f'{stem}-{sha256_file(tmp)[:8]}.pth'
    os.replace(tmp, final)
    return final
