"""Cosine schedule of the momentum of MoCo / BYOL target encoders."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmvssl.models.utils import MomentumTarget, cosine_momentum
from mmvssl.registry import HOOKS


@HOOKS.register_module()
class MomentumUpdateHook(Hook):
    """Set the momentum of every :class:`~mmvssl.models.utils.
    MomentumTarget` of the model before each training iteration:
    ``m = end - (end - base) * (cos(pi k / K) + 1) / 2`` with ``base`` the
    target's configured momentum, ``k`` the current iteration and ``K`` the
    total number of iterations (BYOL's schedule; ``end_momentum=1``).

    The targets themselves are updated by their heads inside ``loss``
    (``momentum_update``); without this hook the momentum stays constant.

    Args:
        end_momentum (float): value at the last iteration. Defaults to 1.
        max_iters (int, optional): ``K``; defaults to the runner's
            ``max_iters``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 end_momentum: float = 1.,
                 max_iters: Optional[int] = None) -> None:
        if not 0. <= end_momentum <= 1.:
            raise ValueError(f'end_momentum must be in [0, 1], got '
                             f'{end_momentum}')
        self.end_momentum = float(end_momentum)
        self.max_iters = max_iters

    @staticmethod
    def targets(model):
        if is_model_wrapper(model):
            model = model.module
        return [m for m in model.modules() if isinstance(m, MomentumTarget)]

    def before_train_iter(self, runner, batch_idx: int, data_batch=None):
        max_iters = self.max_iters or runner.max_iters
        for target in self.targets(runner.model):
            target.momentum = cosine_momentum(target.base_momentum,
                                              self.end_momentum, runner.iter,
                                              max_iters)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        targets = self.targets(runner.model)
        if targets:
            runner.message_hub.update_scalar('train/momentum',
                                             targets[0].momentum)
