"""model-index.yml / metafiles: OpenMMLab format, nothing invented."""
import os.path as osp

import yaml

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _metafiles():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    assert index['Import'], 'model-index.yml imports no metafile'
    for rel in index['Import']:
        with open(osp.join(ROOT, rel)) as f:
            yield rel, yaml.safe_load(f)


def test_metafiles_are_complete_and_honest():
    for rel, meta in _metafiles():
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, rel
            assert osp.isfile(osp.join(ROOT, model['Config'])), \
                f'{rel}: {model["Config"]} does not exist'
            weights = model.get('Weights')
            assert weights is None or weights.startswith('https://'), rel
            for res in model['Results']:
                assert res['Task'] and res['Dataset'] and res['Metrics']
                for name in res['Metrics']:
                    # with no published weights every number is the paper's
                    if weights is None:
                        assert 'paper-reported' in name, (rel, name)
