import os
import socket
import sys

import pytest


@pytest.fixture(autouse=True)
def _isolate_default_scope():
    """Each test starts from the mmengine default scope the previous one
    found: a test that leaves e.g. ``'mmaction'`` current (Runner, mmaction2
    helpers) would make later ``mmvssl`` builds search the parent registry."""
    from mmengine.registry import DefaultScope
    saved = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def port():
    return free_port()
