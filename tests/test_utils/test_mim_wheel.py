"""The same as test_mim.py, from a wheel installed into a fresh environment.

The wheel is built from a copy of the working tree; the environment gets
what a user installs (torch, the mmcv wheel that tools/install.sh built and
cached, `mmvssl[mim]` from the wheel with its requirements, openmim without
opendatalab), nothing from the checkout: the configs and tools come from the
copies in site-packages/mmvssl/.mim, `mmvssl::` from the start-up hook.
Several minutes (installing torch and the OpenMMLab stack from the package
index), hence slow.
"""
import glob
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
from test_mim import (ROOT, check_finetune, check_pretrain, child_env,
                      generate_bench, make_project, read_probe, run)

pytestmark = pytest.mark.slow

SETUPTOOLS = '80.9.0'  # tools/install.sh


def cached_mmcv_wheel():
    import torch
    cache = os.environ.get('MMVSSL_CACHE',
                           osp.expanduser('~/.cache/mmvssl'))
    tag = (f'py{sys.version_info[0]}{sys.version_info[1]}-torch'
           f'{torch.__version__.replace("+", "_")}-cuda*')
    wheels = sorted(glob.glob(osp.join(cache, 'wheels', tag,
                                       'mmcv-2.1.0-*.whl')))
    if not wheels:
        pytest.skip(f'no cached mmcv wheel in {cache}/wheels/{tag} '
                    '(tools/install.sh builds it)')
    return wheels[0]


def pip(python, *args, timeout=1500):
    run([python, '-m', 'pip', 'install', '-q', '--disable-pip-version-check',
         *args], osp.dirname(python), child_env(), timeout=timeout)


@pytest.fixture(scope='module')
def wheel_env(tmp_path_factory):
    import torch
    mmcv_wheel = cached_mmcv_wheel()
    base = tmp_path_factory.mktemp('wheel_env')
    # build from a copy of the working tree (tracked + new, not ignored
    # files): the checkout's build/ and egg-info stay untouched
    src = base / 'src'
    files = subprocess.run(
        ['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT,
        check=True, capture_output=True).stdout.decode().split('\0')
    for name in filter(None, files):
        if not osp.isfile(osp.join(ROOT, name)):
            continue
        os.makedirs(src / osp.dirname(name), exist_ok=True)
        with open(osp.join(ROOT, name), 'rb') as fi, \
                open(src / name, 'wb') as fo:
            fo.write(fi.read())
    run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
         '--no-build-isolation', '--disable-pip-version-check',
         '-w', str(base / 'dist'), str(src)], str(src), child_env(),
        timeout=600)
    (wheel, ) = glob.glob(str(base / 'dist' / 'mmvssl-*.whl'))

    venv = base / 'venv'
    base_python = getattr(sys, '_base_executable', sys.executable)
    run([base_python, '-m', 'venv', str(venv)], str(base), child_env())
    python = str(venv / 'bin' / 'python')
    pip(python, f'torch=={torch.__version__.split("+")[0]}',
        f'setuptools=={SETUPTOOLS}')
    pip(python, mmcv_wheel)
    pip(python, wheel + '[mim]')  # + the OpenMMLab stack (mminstall.txt)
    # mmaction2 pulls in decord 0.6.0, mmvssl decord2: both write the same
    # decord/ folder; the README's step for pip users (as tools/install.sh)
    run([python, '-m', 'pip', 'uninstall', '-q', '-y', 'decord'], str(base),
        child_env(), timeout=300)
    pip(python, '--force-reinstall', '--no-deps', 'decord2==3.4.0')
    pip(python, '--no-deps', 'openmim==0.3.9')
    pip(python, 'click', 'colorama', 'model-index', 'pandas', 'requests',
        'rich', 'tabulate')
    bench = generate_bench(base / 'synthetic')
    project = make_project(str(base / 'my_project'), bench)
    return dict(python=python, bin=str(venv / 'bin'), project=project)


def test_wheel_ships_copies_and_the_hook(wheel_env):
    code = textwrap.dedent('''
        import os, os.path as osp, sysconfig
        import mmvssl
        d = osp.dirname(mmvssl.__file__)
        purelib = sysconfig.get_paths()['purelib']
        assert d == osp.join(purelib, 'mmvssl'), d
        m = osp.join(d, '.mim')
        for name in ('configs', 'tools', 'model-index.yml'):
            assert osp.exists(osp.join(m, name)), name
            assert not osp.islink(osp.join(m, name)), name
        assert osp.isfile(osp.join(m, 'configs', 'constcl', 'r3d50_k400.py'))
        assert osp.isfile(osp.join(m, 'configs', 'constcl', 'metafile.yml'))
        assert osp.isfile(osp.join(m, 'tools', 'train.py'))
        assert osp.isfile(osp.join(m, 'tools', 'dist_train.sh'))
        assert osp.isfile(osp.join(purelib, 'mmvssl-mim.pth'))
        print('ok')
    ''')
    proc = run([wheel_env['python'], '-c', code], wheel_env['project'],
               child_env())
    assert proc.stdout.strip() == 'ok'


def test_wheel_start_up_hook(wheel_env):
    code = textwrap.dedent('''
        import sys
        from mmengine.config import Config
        cfg = Config.fromfile('pretrain.py')
        ft = Config.fromfile('finetune.py')
        print(cfg.model.type, cfg.train_dataloader.batch_size,
              ft.model.type, 'mmvssl' in sys.modules)
    ''')
    out = run([wheel_env['python'], '-c', code], wheel_env['project'],
              child_env()).stdout.split()
    assert out[:3] == ['ConSTCL', '2', 'Recognizer3D']


def test_wheel_user_script(wheel_env, tmp_path):
    import json
    out = tmp_path / 'both.json'
    project = wheel_env['project']
    run([wheel_env['python'], 'build_both.py', 'pretrain.py', 'finetune.py',
         str(out)], project, child_env(project, MMVSSL_NO_MIM_HOOK=1))
    rep = json.loads(out.read_text())
    assert rep['project-pretrain']['model'] == 'ConSTCL'
    assert rep['project-finetune']['model'] == 'Recognizer3D'


def test_wheel_our_train_script(wheel_env, tmp_path):
    """Our tools/train.py as shipped in the wheel (.mim/tools)."""
    out = tmp_path / 'probe.json'
    project = wheel_env['project']
    script = run([wheel_env['python'], '-c',
                  'from mmvssl.utils.mim import mim_root; print(mim_root())'],
                 project, child_env()).stdout.strip()
    run([wheel_env['python'], osp.join(script, 'tools', 'train.py'),
         'pretrain.py', '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, MMVSSL_NO_MIM_HOOK=1))
    check_pretrain(read_probe(out))


def test_wheel_mmaction2_train(wheel_env, tmp_path):
    out = tmp_path / 'probe.json'
    project = wheel_env['project']
    script = run([wheel_env['python'], '-c',
                  'import mmaction, os.path as osp; print(osp.join(osp.'
                  'dirname(mmaction.__file__), ".mim", "tools", "train.py"))'],
                 project, child_env()).stdout.strip()
    run([wheel_env['python'], script, 'finetune.py', '--work-dir',
         str(tmp_path / 'work')], project, child_env(project, PROBE_OUT=out))
    check_finetune(read_probe(out))


def test_wheel_mim_train(wheel_env, tmp_path):
    out = tmp_path / 'probe.json'
    project = wheel_env['project']
    run([osp.join(wheel_env['bin'], 'mim'), 'train', 'mmvssl',
         'pretrain.py', '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out,
                  PATH=wheel_env['bin'] + os.pathsep + os.environ['PATH']))
    check_pretrain(read_probe(out))
