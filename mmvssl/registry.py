"""mmvssl's registry nodes: children of mmaction2's, scope ``mmvssl``.

Configs set ``default_scope = 'mmvssl'``; a type that mmvssl does not register
is looked up in mmaction2 (the parent) and then in mmengine (the root), and
``mmdet.X`` / ``_scope_='mmdet'`` still reach mmdet.
"""
from mmaction.registry import DATA_SAMPLERS as MMACTION_DATA_SAMPLERS
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import EVALUATOR as MMACTION_EVALUATOR
from mmaction.registry import FUNCTION as MMACTION_FUNCTION
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import LOG_PROCESSORS as MMACTION_LOG_PROCESSORS
from mmaction.registry import RUNNERS as MMACTION_RUNNERS
from mmaction.registry import \
    RUNNER_CONSTRUCTORS as MMACTION_RUNNER_CONSTRUCTORS
from mmaction.registry import LOOPS as MMACTION_LOOPS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODEL_WRAPPERS as MMACTION_MODEL_WRAPPERS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMACTION_OPTIM_WRAPPER_CONSTRUCTORS
from mmaction.registry import OPTIM_WRAPPERS as MMACTION_OPTIM_WRAPPERS
from mmaction.registry import OPTIMIZERS as MMACTION_OPTIMIZERS
from mmaction.registry import PARAM_SCHEDULERS as MMACTION_PARAM_SCHEDULERS
from mmaction.registry import TASK_UTILS as MMACTION_TASK_UTILS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISBACKENDS as MMACTION_VISBACKENDS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmaction.registry import \
    WEIGHT_INITIALIZERS as MMACTION_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'MODELS', 'DATASETS', 'TRANSFORMS',
    'DATA_SAMPLERS', 'HOOKS', 'LOOPS',
    'METRICS', 'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'FUNCTIONS',
    'LOG_PROCESSORS'
]


def _child(name, parent, locations):
    return Registry(name, parent=parent, scope='mmvssl', locations=locations)


RUNNERS = _child('runner', MMACTION_RUNNERS, ['mmvssl.engine'])
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMACTION_RUNNER_CONSTRUCTORS, ['mmvssl.engine'])
MODELS = _child('model', MMACTION_MODELS, ['mmvssl.models'])
MODEL_WRAPPERS = _child('model_wrapper', MMACTION_MODEL_WRAPPERS,
                        ['mmvssl.models'])
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMACTION_WEIGHT_INITIALIZERS, ['mmvssl.models'])
TASK_UTILS = _child('task util', MMACTION_TASK_UTILS,
                    ['mmvssl.models', 'mmvssl.datasets'])
DATASETS = _child('dataset', MMACTION_DATASETS, ['mmvssl.datasets'])
DATA_SAMPLERS = _child('data sampler', MMACTION_DATA_SAMPLERS,
                       ['mmvssl.datasets'])
TRANSFORMS = _child('transform', MMACTION_TRANSFORMS,
                    ['mmvssl.datasets.transforms'])
HOOKS = _child('hook', MMACTION_HOOKS, ['mmvssl.engine.hooks'])
LOOPS = _child('loop', MMACTION_LOOPS, ['mmvssl.engine'])
OPTIMIZERS = _child('optimizer', MMACTION_OPTIMIZERS, ['mmvssl.engine'])
OPTIM_WRAPPERS = _child('optim_wrapper', MMACTION_OPTIM_WRAPPERS,
                        ['mmvssl.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMACTION_OPTIM_WRAPPER_CONSTRUCTORS,
                                    ['mmvssl.engine'])
PARAM_SCHEDULERS = _child('parameter scheduler', MMACTION_PARAM_SCHEDULERS,
                          ['mmvssl.engine'])
METRICS = _child('metric', MMACTION_METRICS, ['mmvssl.evaluation'])
EVALUATOR = _child('evaluator', MMACTION_EVALUATOR, ['mmvssl.evaluation'])
VISUALIZERS = _child('visualizer', MMACTION_VISUALIZERS,
                     ['mmvssl.visualization'])
VISBACKENDS = _child('vis_backend', MMACTION_VISBACKENDS,
                     ['mmvssl.visualization'])
FUNCTIONS = _child('function', MMACTION_FUNCTION, ['mmvssl.datasets'])
LOG_PROCESSORS = _child('log_processor', MMACTION_LOG_PROCESSORS,
                        ['mmvssl.engine'])
