# mmvssl runtime: mmaction2's, with our scope and checkpoints by iteration.
_base_ = ['mmaction::_base_/default_runtime.py']

default_scope = 'mmvssl'
custom_imports = dict(imports=['mmvssl'], allow_failed_imports=False)
