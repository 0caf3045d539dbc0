import os
import socket
import sys

import pytest

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


@pytest.fixture(scope='session')
def tiny(tmp_path_factory):
    """The `tiny` preset of the synthetic benchmark (seed 0), generated once
    per test session and shared (read-only: tests that write into a data
    root, e.g. a frame cache, must tolerate what others left there)."""
    from mmvssl.datasets.synthetic.generator import generate
    out = tmp_path_factory.mktemp('synthetic') / 'tiny'
    generate(str(out), preset='tiny', seed=0, workers=0, progress=False)
    return str(out)
