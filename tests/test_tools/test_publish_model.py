"""tools/convert/publish_model.py: stripped content, OpenMMLab file name."""
import hashlib
import importlib.util
import os
import os.path as osp
import re

import numpy as np
import torch

import mmvssl  # noqa: F401

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    path = osp.join(ROOT, 'tools', 'convert', 'publish_model.py')
    spec = importlib.util.spec_from_file_location('_publish_model', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _resume_checkpoint(path):
    """What mmengine's CheckpointHook writes (message hub with
    HistoryBuffer, numpy scalars, optimizer and scheduler state)."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_publish_model')
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('seed', np.int64(3))
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    torch.save(dict(
        meta=dict(epoch=2, iter=10, cfg='model = dict()', seed=3),
        state_dict=model.state_dict(), message_hub=hub.state_dict(),
        optimizer=opt.state_dict(),
        param_schedulers=[dict(last_epoch=2)]), path)
    return model


def test_publish_model(tmp_path):
    src = str(tmp_path / 'epoch_2.pth')
    model = _resume_checkpoint(src)
    final = _tool().main([src, str(tmp_path / 'out' / 'r3d_ucf101.pth')])
    name = osp.basename(final)
    m = re.fullmatch(r'r3d_ucf101-([0-9a-f]{8})\.pth', name)
    assert m, name
    with open(final, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == m.group(1)
    assert os.listdir(tmp_path / 'out') == [name]  # no temporary left
    # plain weights-only loading, nothing but tensors and meta left
    ckpt = torch.load(final, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert ckpt['meta']['epoch'] == 2
    for k, v in model.state_dict().items():
        assert torch.equal(ckpt['state_dict'][k], v)
    # an OUT without .pth gets the same treatment; same content, same hash
    again = _tool().main([src, str(tmp_path / 'other' / 'r3d_ucf101')])
    assert osp.basename(again) == name
