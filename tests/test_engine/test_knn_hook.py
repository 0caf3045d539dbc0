"""KNNMonitorHook with a tiny stand-in SSL model and in-memory videos."""
import pytest
import torch
from torch import nn

import mmvssl  # noqa: F401


class _Videos(torch.utils.data.Dataset):
    """MultiViewVideoDataset layout, one view: the colour is the class."""

    def __init__(self, n=12, seed=0, **kwargs):
        self.n, self.seed = n, seed
        self.metainfo = {}

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        from mmaction.structures import ActionDataSample
        g = torch.Generator().manual_seed(self.seed * 1000 + i)
        label = i % 4
        x = torch.randint(0, 20, (4, 2, 4, 4), generator=g, dtype=torch.uint8)
        x[label] += 200
        return dict(inputs=[x],
                    data_samples=ActionDataSample().set_gt_label(label))


def _make_model_cls():
    from mmengine.model import BaseModel

    class StandInSSL(BaseModel):
        """extract_feat(inputs) -> one (B, C, T, H, W) map per view, like
        mmvssl's algorithms. Starts collapsed (every channel the same);
        its 'pretext' loss pulls the 1x1x1 conv to the identity."""

        def __init__(self, data_preprocessor=None):
            super().__init__(data_preprocessor=data_preprocessor)
            self.backbone = nn.Conv3d(4, 4, 1, bias=False)
            nn.init.constant_(self.backbone.weight, 0.25)

        def extract_feat(self, inputs):
            return [self.backbone(v) for v in inputs]

        def forward(self, inputs, data_samples=None, mode='tensor'):
            if mode == 'loss':
                w = self.backbone.weight.view(4, 4)
                return dict(loss=((w - torch.eye(4))**2).sum())
            return self.extract_feat(inputs)

    return StandInSSL


@pytest.fixture(scope='module')
def registered():
    from mmvssl.registry import DATASETS, MODELS
    from mmvssl.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    DATASETS.register_module('_KNNVideos', module=_Videos, force=True)
    MODELS.register_module('_StandInSSL', module=_make_model_cls(),
                           force=True)


def _cfg(tmp_path, hook, train_cfg):
    from mmengine.config import Config
    loader = dict(batch_size=4, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  dataset=dict(type='_KNNVideos', n=12, seed=0))
    return Config(dict(
        default_scope='mmvssl',
        work_dir=str(tmp_path),
        # one message hub per runner (runners made within the same second
        # would otherwise share the timestamp-named instance)
        experiment_name=f'knn-{tmp_path.name}',
        model=dict(type='_StandInSSL',
                   data_preprocessor=dict(type='MultiViewDataPreprocessor',
                                          mean=[0.] * 4, std=[255.] * 4)),
        train_dataloader=loader,
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        custom_hooks=[dict(
            hook, type='KNNMonitorHook', train_dataloader=loader,
            val_dataloader=dict(loader, dataset=dict(type='_KNNVideos', n=8,
                                                     seed=1)))],
        default_hooks=dict(checkpoint=None),
        # as in configs inheriting mmaction2's runtime
        visualizer=dict(type='ActionVisualizer', _scope_='mmaction',
                        vis_backends=[dict(type='LocalVisBackend')]),
        log_level='WARNING'))


def _history(runner, key='knn/top1'):
    values, _ = runner.message_hub.get_scalar(key).data
    return [float(v) for v in values]


def test_knn_monitor_by_epoch(registered, tmp_path):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(_cfg(
        tmp_path, dict(interval=1, before_train=True),
        dict(by_epoch=True, max_epochs=2)))
    runner.train()
    # collapsed features: all similarities tie, all 12 memory videos vote
    # equally (k=20 clipped to 12), classes 0..3 have 3 votes each, the
    # tie goes to class 0: 2 of the 8 val videos (25 %). One SGD step
    # (lr .5) makes the conv the identity: colours separate, 100 %.
    assert _history(runner) == [25.0, 100.0, 100.0]
    assert _history(runner, 'knn/top5') == [100.0] * 3
    hook = [h for h in runner.hooks if type(h).__name__ == 'KNNMonitorHook']
    assert hook[0].last_results == {'knn/top1': 100.0, 'knn/top5': 100.0}
    # and the visualizer backends (here: LocalVisBackend's scalars.json)
    scalars = list(tmp_path.glob('*/vis_data/scalars.json'))
    assert scalars and 'knn/top1' in scalars[0].read_text()


def test_knn_monitor_by_iter_majority(registered, tmp_path):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(_cfg(
        tmp_path, dict(interval=2, by_epoch=False, weighting='majority', k=3,
                       topk=(1, )),
        dict(type='IterBasedTrainLoop', max_iters=3)))
    runner.train()
    # after iterations 2 and 3 (the last one)
    assert _history(runner) == [100.0, 100.0]


def test_knn_monitor_rejects_bad_args():
    from mmvssl.engine.hooks import KNNMonitorHook
    with pytest.raises(ValueError, match='weighting'):
        KNNMonitorHook({}, {}, weighting='vote')
    with pytest.raises(ValueError, match='interval'):
        KNNMonitorHook({}, {}, interval=0)
