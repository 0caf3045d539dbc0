"""mmvssl: self-supervised video representation learning on OpenMMLab 2.x.

The OpenMMLab stack (torch, mmengine, mmcv with ops built from source,
mmaction2, mmdet) is installed by `make install` (tools/install.sh), in the
order that works; `pip install -e .` only adds mmvssl and its light deps.
"""
import os.path as osp

from setuptools import find_packages, setup


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


if __name__ == '__main__':
    setup(
        name='mmvssl',
        version=get_version(),
        description='Self-supervised video representation learning '
        '(ConST-CL, STOR/CSTP, controllable augmentations) for OpenMMLab',
        long_description=readme(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        include_package_data=True,
        python_requires='>=3.9,<3.12',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require=dict(
            tests=parse_requirements('requirements/tests.txt'),
            mim=parse_requirements('requirements/mminstall.txt')),
        zip_safe=False)
