"""Checkpoints from a URL: `load_from = 'http://...'` through mmengine's
Runner, and the backbone bridge, against a local HTTP server."""
import argparse
import functools
import http.server
import os
import pickle
import threading

import pytest
import torch
from torch import nn

import mmvssl  # noqa: F401


class _Quiet(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path, port, monkeypatch):
    """A directory served on 127.0.0.1:port, download caches in tmp."""
    root = tmp_path / 'www'
    root.mkdir()
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine_home'))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    server = http.server.HTTPServer(
        ('127.0.0.1', port), functools.partial(_Quiet, directory=str(root)))
    server.timeout = 10
    thread = threading.Thread(target=server.serve_forever,
                              kwargs=dict(poll_interval=0.05), daemon=True)
    thread.start()
    try:
        yield root, f'http://127.0.0.1:{port}', tmp_path / 'hub'
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv3d(3, 4, 1), nn.BatchNorm3d(4))
        self.head = nn.Linear(4, 2)


def _resume_style(path, model):
    """A checkpoint as mmengine writes it (message hub: HistoryBuffer)."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_url_checkpoint')
    hub.update_scalar('train/loss', 1.5)
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict(),
                    message_hub=hub.state_dict()), path)


def test_load_from_url_through_runner(served, tmp_path):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Model(BaseModel):

        def __init__(self):
            super().__init__()
            self.net = _Net()

        def forward(self, *args, **kwargs):
            return {}

    root, url, hub = served
    torch.manual_seed(0)
    src = Model()
    _resume_style(str(root / 'x.pth'), src)
    dst = Model()
    assert not torch.equal(dst.net.head.weight, src.net.head.weight)
    runner = Runner(model=dst, work_dir=str(tmp_path / 'work'),
                    load_from=f'{url}/x.pth',
                    default_hooks=dict(checkpoint=None, logger=None),
                    visualizer=dict(type='mmengine.Visualizer',
                                    name='test_url_checkpoint'),
                    default_scope='mmengine')
    runner.load_or_resume()
    for k, v in src.state_dict().items():
        assert torch.equal(runner.model.state_dict()[k], v), k
    # downloaded into the isolated cache, once
    assert os.listdir(hub / 'checkpoints') == ['x.pth']


def test_backbone_from_url(served):
    from mmvssl.apis import load_backbone_checkpoint
    root, url, _ = served
    torch.manual_seed(1)
    src = _Net()
    _resume_style(str(root / 'ssl.pth'), src)
    backbone = nn.Sequential(nn.Conv3d(3, 4, 1), nn.BatchNorm3d(4))
    res = load_backbone_checkpoint(backbone, f'{url}/ssl.pth', logger=None)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert torch.equal(backbone[0].weight, src.backbone[0].weight)


def test_url_checkpoint_is_loaded_safely(served):
    """A remote checkpoint holding a non-allow-listed object is refused."""
    from mmengine.runner.checkpoint import CheckpointLoader
    root, url, _ = served
    torch.save(dict(state_dict={}, meta=argparse.Namespace(evil=True)),
               str(root / 'evil.pth'))
    refused = False
    try:
        CheckpointLoader.load_checkpoint(f'{url}/evil.pth', 'cpu')
    except pickle.UnpicklingError:
        refused = True
    assert refused, 'a remote checkpoint was unpickled without safe mode'
