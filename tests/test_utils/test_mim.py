"""mmvssl from another OpenMMLab project: `mmvssl::` configs, `.mim`, `mim`.

A temporary project folder outside the repository holds two configs that
inherit ours (`mmvssl::constcl/r3d50_k400.py`, the pretraining recipe, and
`mmvssl::downstream/recognition/constcl_r3d50y_ft_ucf101-split1.py`),
override a few keys and point the data at a tiny synthetic benchmark. Each
launch path loads one of them and builds the model and a dataloader; a
probe hook of the project (imported with `custom_imports`) then reads one
batch through the data preprocessor, writes what it saw to a JSON file and
stops the run before the first iteration (R3D-50 does not train on CPU in a
test).

Launch paths: a user script that imports mmvssl first (with the start-up
hook switched off), our tools/train.py, mmaction2's tools/train.py (through
the start-up hook, nothing imported by the user) here; our tools/test.py,
tools/dist_train.sh, `mim train mmvssl` and `mim test mmvssl` in the slow
tests; the same from a wheel in a fresh environment: test_mim_wheel.py.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
PRETRAIN_BASE = 'mmvssl::constcl/r3d50_k400.py'
FINETUNE_BASE = \
    'mmvssl::downstream/recognition/constcl_r3d50y_ft_ucf101-split1.py'

PROBE = '''\
"""The project's own hook: report what the runner built, then stop."""
import json
import sys

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def _shapes(x):
    if hasattr(x, 'shape'):
        return list(x.shape)
    if isinstance(x, dict):
        return {k: _shapes(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_shapes(v) for v in x[:2]]
    return type(x).__name__


@HOOKS.register_module()
class ProjectProbeHook(Hook):
    priority = 'HIGHEST'

    def __init__(self, out, split='train'):
        self.out = out
        self.split = split

    def before_run(self, runner):
        model = runner.model
        model = getattr(model, 'module', model)
        loader = (runner.train_dataloader if self.split == 'train' else
                  runner.test_dataloader)
        batch = next(iter(loader))
        data = model.data_preprocessor(batch, training=self.split == 'train')
        cfg = runner.cfg
        report = dict(
            model=type(model).__name__,
            backbone=type(model.backbone).__name__,
            backbone_depth=getattr(model.backbone, 'depth', None),
            num_params=sum(p.numel() for p in model.parameters()),
            dataset=type(loader.dataset).__name__,
            dataset_len=len(loader.dataset),
            batch_size=loader.batch_size,
            inputs=_shapes(data['inputs']),
            launcher=runner.launcher,
            world_size=runner.world_size,
            default_scope=cfg.get('default_scope'),
            experiment=cfg.get('experiment_tag'),
            work_dir=runner.work_dir,
            mmvssl_imported_by_user='mmvssl' in sys.modules,
        )
        with open(self.out, 'w') as f:
            json.dump(report, f)
        raise SystemExit(0)  # stop before the first iteration
'''


def _project_configs(bench, num_classes):
    videos = osp.join(bench, 'videos')
    pretrain = f'''\
    # A project's own pretraining config on mmvssl's ConST-CL recipe.
    _base_ = ['{PRETRAIN_BASE}']
    custom_imports = dict(imports=['probe'], allow_failed_imports=False)
    experiment_tag = 'project-pretrain'
    data_root = '{videos}'
    train_dataloader = dict(
        batch_size=2, num_workers=0, persistent_workers=False,
        dataset=dict(
            ann_file='{bench}/kinetics/train_list.txt',
            data_prefix=dict(video=data_root)))
    model = dict(backbone=dict(with_cp=False))
    sync_bn = None  # CPU processes
    custom_hooks = [
        dict(type='ProjectProbeHook', out='{{{{$PROBE_OUT:probe.json}}}}')]
    '''
    finetune = f'''\
    # A project's own fine-tuning config on mmvssl's UCF101 protocol.
    _base_ = ['{FINETUNE_BASE}']
    custom_imports = dict(imports=['probe'], allow_failed_imports=False)
    experiment_tag = 'project-finetune'
    data_root = '{videos}'
    ann_train = '{bench}/ucf101/trainlist01.txt'
    ann_test = '{bench}/ucf101/testlist01.txt'
    model = dict(cls_head=dict(num_classes={num_classes}))
    loader = dict(num_workers=0, persistent_workers=False)
    train_dataloader = dict(
        batch_size=2, **loader,
        dataset=dict(ann_file=ann_train, data_prefix=dict(video=data_root)))
    val_dataloader = dict(
        batch_size=1, **loader,
        dataset=dict(ann_file=ann_test, data_prefix=dict(video=data_root)))
    test_dataloader = val_dataloader
    custom_hooks = [
        dict(type='ProjectProbeHook', split='{{{{$PROBE_SPLIT:train}}}}',
             out='{{{{$PROBE_OUT:probe.json}}}}')]
    '''
    return textwrap.dedent(pretrain), textwrap.dedent(finetune)


USER_SCRIPT = '''\
"""A user's script: `import mmvssl` first, then plain mmengine."""
import json
import sys

import mmvssl  # noqa: F401  registers `mmvssl::` with mmengine
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmvssl.registry import MODELS

out = {}
for name in sys.argv[1:-1]:
    cfg = Config.fromfile(name)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        loader = Runner.build_dataloader(cfg.train_dataloader)
    batch = next(iter(loader))
    data = model.data_preprocessor(batch, training=True)
    inputs = data['inputs']
    out[cfg.experiment_tag] = dict(
        model=type(model).__name__, batch_size=loader.batch_size,
        backbone_depth=model.backbone.depth,
        dataset_len=len(loader.dataset),
        first_input=list((inputs[0] if isinstance(inputs, (list, tuple))
                          else next(iter(inputs.values()))
                          if isinstance(inputs, dict) else inputs).shape))
with open(sys.argv[-1], 'w') as f:
    json.dump(out, f)
'''


def make_project(folder, bench):
    """Write the user's project (configs, probe hook, script) to folder."""
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(bench, 'ucf101', 'classInd.txt')) as f:
        num_classes = sum(1 for line in f if line.strip())
    pretrain, finetune = _project_configs(bench, num_classes)
    files = {'pretrain.py': pretrain, 'finetune.py': finetune,
             'probe.py': PROBE, 'build_both.py': USER_SCRIPT}
    for name, text in files.items():
        with open(osp.join(folder, name), 'w') as f:
            f.write(text)
    return folder


def generate_bench(out):
    subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/data/synthetic/generate.py'),
         '--out', str(out), '--preset', 'tiny', '--seed', '0',
         '--workers', '0', '--no-progress'],
        check=True, cwd=ROOT, capture_output=True, env=child_env())
    return str(out)


def child_env(project=None, **extra):
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONWARNINGS='ignore')
    # only the project on the path: mmvssl must come from the installation
    env.pop('PYTHONPATH', None)
    if project is not None:
        env['PYTHONPATH'] = project
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, cwd, env, timeout=600):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f'{cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-6000:]}')
    return proc


def read_probe(path):
    assert osp.exists(path), f'the probe hook wrote no {path}'
    with open(path) as f:
        return json.load(f)


def check_pretrain(rep, world_size=1):
    assert rep['experiment'] == 'project-pretrain'
    assert rep['model'] == 'ConSTCL'
    assert rep['backbone_depth'] == 50
    assert rep['batch_size'] == 2  # the project's override
    assert rep['dataset'] == 'MultiViewVideoDataset'
    assert rep['dataset_len'] > 0
    assert rep['default_scope'] == 'mmvssl'
    assert rep['world_size'] == world_size


def check_finetune(rep, split='train'):
    assert rep['experiment'] == 'project-finetune'
    assert rep['model'] == 'Recognizer3D'
    assert rep['backbone_depth'] == 50
    assert rep['batch_size'] == (2 if split == 'train' else 1)
    assert rep['dataset_len'] > 0


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp('other_project')
    bench = generate_bench(base / 'synthetic')
    return make_project(str(base / 'my_project'), bench)


def mmaction_train_script():
    import mmaction
    path = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                    'train.py')
    if not osp.exists(path):
        pytest.skip('mmaction2 installation without .mim/tools/train.py')
    return path


# ---------------------------------------------------------------- layout
def test_mim_folder_links_configs_tools_and_model_index():
    from mmvssl.utils.mim import MIM_FILES, mim_root
    root = mim_root()
    for name in MIM_FILES:
        path = osp.join(root, name)
        assert osp.exists(path), (
            f'{path} missing: run `pip install -e .` (tools/install.sh)')
        # the editable install links into the checkout (setup.py never
        # replaces the links by copies, not even when it builds a wheel)
        assert osp.islink(path), path
        assert osp.realpath(path) == osp.realpath(osp.join(ROOT, name))
    assert osp.isfile(osp.join(root, 'configs', 'constcl', 'r3d50_k400.py'))
    # what mmengine reads before falling back to .mim/configs/<path>
    from mmengine.config.utils import _get_cfg_metainfo
    from mmengine.fileio import load
    index = load(osp.join(root, 'model-index.yml'))
    for meta in index['Import']:
        assert osp.isfile(osp.join(root, meta)), meta
        for model in load(osp.join(root, meta))['Models']:
            assert osp.isfile(osp.join(root, model['Config']))
    meta = _get_cfg_metainfo(osp.dirname(root), 'constcl/r3d50_k400.py')
    assert meta['Config'] == 'configs/constcl/r3d50_k400.py'


def test_installed_path_and_registration_in_process():
    import mmengine.config.config as cc
    from mmengine.config.utils import MODULE2PACKAGE

    import mmvssl
    assert MODULE2PACKAGE['mmvssl'] == 'mmvssl'
    assert osp.realpath(cc.get_installed_path('mmvssl')) == \
        osp.realpath(osp.dirname(mmvssl.__file__))
    # other packages are answered as before
    assert cc.get_installed_path('mmaction2').endswith('mmaction')


def test_start_up_hook_without_importing_mmvssl(project, tmp_path):
    """The .pth hook alone (nothing imports mmvssl): mmengine parses the
    project's configs; with the hook switched off, mmengine's own error."""
    code = textwrap.dedent('''
        import sys
        from mmengine.config import Config
        from mmengine.utils import get_installed_path
        cfg = Config.fromfile(sys.argv[1])
        ft = Config.fromfile(sys.argv[2])
        print(cfg.model.type, cfg.train_dataloader.batch_size,
              cfg.model.backbone.with_cp, cfg.optim_wrapper.type,
              ft.model.cls_head.num_classes, ft.train_cfg.max_epochs,
              'mmvssl' in sys.modules)
    ''')
    args = [sys.executable, '-c', code, 'pretrain.py', 'finetune.py']
    out = run(args, project, child_env()).stdout.split()
    assert out[:4] == ['ConSTCL', '2', 'False', 'AutocastOptimWrapper']
    assert int(out[4]) > 1 and out[5] == '50'
    proc = subprocess.run(args, cwd=project, capture_output=True, text=True,
                          env=child_env(MMVSSL_NO_MIM_HOOK=1))
    assert proc.returncode != 0
    assert 'does not support to load mmvssl config' in proc.stderr


# ---------------------------------------------------------------- launches
def test_user_script_that_imports_mmvssl(project, tmp_path):
    out = tmp_path / 'both.json'
    run([sys.executable, 'build_both.py', 'pretrain.py', 'finetune.py',
         str(out)], project, child_env(project, MMVSSL_NO_MIM_HOOK=1))
    rep = json.loads(out.read_text())
    pre, ft = rep['project-pretrain'], rep['project-finetune']
    assert pre['model'] == 'ConSTCL' and ft['model'] == 'Recognizer3D'
    assert pre['batch_size'] == ft['batch_size'] == 2
    assert pre['backbone_depth'] == ft['backbone_depth'] == 50
    assert pre['dataset_len'] > 0 and ft['dataset_len'] > 0
    assert pre['first_input'][0] == 2  # batch of 2 clip pairs


def test_our_tools_train(project, tmp_path):
    out = tmp_path / 'probe.json'
    run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), 'pretrain.py',
         '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, MMVSSL_NO_MIM_HOOK=1))
    rep = read_probe(out)
    check_pretrain(rep)
    assert rep['work_dir'] == str(tmp_path / 'work')


def test_mmaction2_tools_train(project, tmp_path):
    """mmaction2's own tools/train.py imports nothing of ours: the
    start-up hook makes `mmvssl::` resolvable, the registry scope of the
    config imports the rest."""
    out = tmp_path / 'probe.json'
    run([sys.executable, mmaction_train_script(), 'finetune.py',
         '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out))
    rep = read_probe(out)
    check_finetune(rep)
    assert rep['default_scope'] == 'mmvssl'


@pytest.mark.slow
def test_mmaction2_tools_train_without_the_hook(project, tmp_path):
    """The README's fallback when the start-up hook is off: run the script
    through a `python -c` that imports mmvssl first."""
    out = tmp_path / 'probe.json'
    code = ('import mmvssl, runpy, sys; sys.argv = sys.argv[1:]; '
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    run([sys.executable, '-c', code, mmaction_train_script(), 'finetune.py',
         '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, MMVSSL_NO_MIM_HOOK=1))
    check_finetune(read_probe(out))

@pytest.mark.slow
def test_our_tools_test(project, tmp_path):
    import torch
    ckpt = tmp_path / 'empty.pth'
    torch.save({'state_dict': {}, 'meta': {}}, ckpt)
    out = tmp_path / 'probe.json'
    run([sys.executable, osp.join(ROOT, 'tools', 'test.py'), 'finetune.py',
         str(ckpt), '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, PROBE_SPLIT='test',
                  MMVSSL_NO_MIM_HOOK=1))
    check_finetune(read_probe(out), split='test')


@pytest.mark.slow
def test_our_dist_train(project, tmp_path, port):
    out = tmp_path / 'probe.json'
    run(['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), 'pretrain.py',
         '1', '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, PORT=port, PYTHON=sys.executable,
                  MMVSSL_NO_MIM_HOOK=1))
    rep = read_probe(out)
    check_pretrain(rep)
    assert rep['launcher'] == 'pytorch'


def _mim():
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    if not osp.exists(mim):
        pytest.skip('openmim is not installed (tools/install.sh installs it)')
    return mim


@pytest.mark.slow
def test_mim_train(project, tmp_path):
    """`mim train mmvssl CONFIG` runs mmvssl/.mim/tools/train.py."""
    out = tmp_path / 'probe.json'
    proc = run([_mim(), 'train', 'mmvssl', 'pretrain.py', '--work-dir',
                str(tmp_path / 'work')], project,
               child_env(project, PROBE_OUT=out))
    assert 'Training finished successfully' in proc.stdout, proc.stdout
    check_pretrain(read_probe(out))


@pytest.mark.slow
def test_mim_test(project, tmp_path):
    import torch
    ckpt = tmp_path / 'empty.pth'
    torch.save({'state_dict': {}, 'meta': {}}, ckpt)
    out = tmp_path / 'probe.json'
    run([_mim(), 'test', 'mmvssl', 'finetune.py', '--checkpoint', str(ckpt),
         '--work-dir', str(tmp_path / 'work')], project,
        child_env(project, PROBE_OUT=out, PROBE_SPLIT='test'))
    check_finetune(read_probe(out), split='test')


def test_mim_finds_the_package_and_its_scripts(tmp_path):
    """openmim's own lookup (the one `mim train/test` use) finds
    mmvssl/.mim/tools in this (editable) installation."""
    pytest.importorskip('mim')
    code = ('from mim.utils import get_installed_path, module_full_name;'
            'import os.path as osp; p = get_installed_path("mmvssl");'
            'print(module_full_name("mmvssl"), '
            'osp.realpath(osp.join(p, ".mim", "tools", "train.py")))')
    proc = run([sys.executable, '-c', code], str(tmp_path), child_env())
    name, script = proc.stdout.split()
    assert name == 'mmvssl'
    assert script == osp.realpath(osp.join(ROOT, 'tools', 'train.py'))

