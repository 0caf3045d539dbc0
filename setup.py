"""mmvssl: self-supervised video representation learning on OpenMMLab 2.x.

The OpenMMLab stack (torch, mmengine, mmcv with ops built from source,
mmaction2, mmdet) is installed by `make install` (tools/install.sh), in the
order that works; `pip install -e .` only adds mmvssl and its light deps.
"""
import os
import os.path as osp
import shutil
import warnings

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# What OpenMMLab tools read from an installed package (mmengine's
# `mmvssl::` configs, `mim train/test`): linked into mmvssl/.mim from the
# checkout, copied into a wheel (the build follows the links).
MIM_FILES = ['tools', 'configs', 'model-index.yml']
# Start-up hook installed into site-packages beside the package: loads only
# mmvssl/utils/mim.py (standard library imports) and registers a finder that
# makes `mmvssl::` resolvable as soon as mmengine's config module is imported,
# so that scripts which never import mmvssl (mmaction2's tools/train.py, mim)
# can load configs inheriting ours. MMVSSL_NO_MIM_HOOK=1 switches it off.
PTH_NAME = 'mmvssl-mim.pth'
PTH_LINE = (
    "import importlib.util, os; "
    "_mmvssl_spec = importlib.util.find_spec('mmvssl'); "
    "_mmvssl_spec and _mmvssl_spec.origin and __import__('runpy').run_path("
    "os.path.join(os.path.dirname(_mmvssl_spec.origin), 'utils', 'mim.py'), "
    "run_name='_mmvssl_mim_hook')['install']()\n")


def readme():
    with open(osp.join(osp.dirname(__file__), 'README.md'),
              encoding='utf-8') as f:
        return f.read()


def get_version():
    ns = {}
    with open(osp.join(osp.dirname(__file__), 'mmvssl', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), ns)
    return ns['__version__']


def parse_requirements(fname):
    reqs = []
    with open(osp.join(osp.dirname(__file__), fname)) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


def add_mim_extension():
    """Link tools/, configs/ and model-index.yml into mmvssl/.mim.

    As mmaction2's setup.py, with one difference: the checkout always gets
    symbolic links (an editable install serves them as they are) and a wheel
    or sdist gets copies because the build copies the files the links point
    to, so building a wheel never replaces the links in the checkout by stale
    copies. Where links cannot be made (Windows without the privilege), the
    files are copied. From an sdist (no configs/ beside setup.py) the copies
    it ships are kept.
    """
    repo_path = osp.dirname(osp.abspath(__file__))
    mim_path = osp.join(repo_path, 'mmvssl', '.mim')
    if not osp.isdir(osp.join(repo_path, 'configs')):
        return
    os.makedirs(mim_path, exist_ok=True)
    for filename in MIM_FILES:
        src_path = osp.join(repo_path, filename)
        tar_path = osp.join(mim_path, filename)
        if not osp.exists(src_path):
            continue
        src_relpath = osp.relpath(src_path, osp.dirname(tar_path))
        if osp.islink(tar_path) and os.readlink(tar_path) == src_relpath:
            continue
        if osp.isfile(tar_path) or osp.islink(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        try:
            os.symlink(src_relpath, tar_path)
        except OSError:
            warnings.warn(f'Failed to create a symbolic link for '
                          f'{src_relpath}, and it will be copied to '
                          f'{tar_path}')
            if osp.isfile(src_path):
                shutil.copyfile(src_path, tar_path)
            else:
                shutil.copytree(src_path, tar_path)


class BuildPyWithPth(build_py):
    """Also put the start-up hook at the top of the wheel (site-packages)."""

    def run(self):
        super().run()
        self.mkpath(self.build_lib)
        with open(osp.join(self.build_lib, PTH_NAME), 'w') as f:
            f.write(PTH_LINE)


def cmdclass():
    cmds = {'build_py': BuildPyWithPth}
    try:
        from setuptools.command.editable_wheel import editable_wheel
    except ImportError:  # setuptools < 64: `setup.py develop`
        return cmds

    class EditableWheelWithPth(editable_wheel):
        """PEP 660 editable install: add the start-up hook to the editable
        wheel's top level (setuptools puts only its own path hook there)."""

        def _run_build_commands(self, dist_name, unpacked_wheel, *args,
                                **kwargs):
            out = super()._run_build_commands(dist_name, unpacked_wheel,
                                              *args, **kwargs)
            with open(osp.join(unpacked_wheel, PTH_NAME), 'w') as f:
                f.write(PTH_LINE)
            return out

    cmds['editable_wheel'] = EditableWheelWithPth
    return cmds


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmvssl',
        version=get_version(),
        description='Self-supervised video representation learning '
        '(ConST-CL, CSTP, controllable augmentations) for OpenMMLab',
        long_description=readme(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        include_package_data=True,
        cmdclass=cmdclass(),
        python_requires='>=3.9,<3.12',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require=dict(
            tests=parse_requirements('requirements/tests.txt'),
            mim=parse_requirements('requirements/mminstall.txt')),
        zip_safe=False)
