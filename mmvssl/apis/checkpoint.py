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
import os
import os.path as osp
from collections import OrderedDict, namedtuple
from typing import Dict, List, Mapping, Optional, Union

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
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        torch.save(out, out_file)
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
    torch.save(out, tmp)
    final = f'{stem}-{sha256_file(tmp)[:8]}.pth'
    os.replace(tmp, final)
    return final
