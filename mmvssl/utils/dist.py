"""CPU-friendly distributed setup for mmengine 0.10.7 runners.

mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device`` (fails on a CPU
build of torch) and its default DDP wrapper passes ``device_ids=[LOCAL_RANK]``
(rejected for CPU modules).  When CUDA is absent we initialise a gloo process
group ourselves before the Runner does (it then skips its own ``init_dist``)
and ask for a DDP wrapper without ``device_ids``.
"""
import os

import torch
import torch.distributed as dist


def cuda_available():
    return torch.cuda.is_available()


def setup_cpu_distributed(cfg, launcher):
    """Prepare ``cfg`` for a distributed run without CUDA.

    Returns True if this function initialised the (gloo) process group.
    A no-op for ``launcher='none'`` or when CUDA is available.
    """
    if launcher == 'none' or cuda_available():
        return False
    if launcher not in ('pytorch', 'slurm'):
        raise ValueError(f'launcher {launcher!r} is not supported on CPU; '
                         "use 'pytorch' (torchrun) or 'slurm'")
    if launcher == 'slurm':
        # translate SLURM variables into torch's env:// variables
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', '29500')
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper = dict(wrapper)
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper
    cfg.launcher = launcher
    return True


def teardown_distributed():
    """Destroy the process group at the end of a run.

    gloo's worker threads abort the process ('terminate called without an
    active exception') when a process exits with the group still alive, so a
    finished CPU run could report a spurious failure. A no-op when not
    distributed.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
