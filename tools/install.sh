#!/usr/bin/env bash
# One-command, idempotent installer for mmvssl and its OpenMMLab 2.x stack.
#
#   make install            (or: bash tools/install.sh)
#
# Environment knobs:
#   PYTHON=python3.11       interpreter used to create .venv (default: python3)
#   MMVSSL_VENV=.venv       virtual environment created when none is active
#   MMVSSL_CACHE=~/.cache/mmvssl   where the mmcv wheel built from source is kept
#   FORCE_CUDA=0/1          override the CUDA-ops autodetection for the mmcv build
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '\033[1m[mmvssl install]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[mmvssl install] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

TORCH_VERSION=2.13.0
SETUPTOOLS_VERSION=80.9.0
MMENGINE_VERSION=0.10.7
MMCV_VERSION=2.1.0
MMACTION_VERSION=1.2.0
MMDET_VERSION=3.3.0
DECORD2_VERSION=3.4.0

# ---------------------------------------------------------------- python / venv
if [[ -n "${VIRTUAL_ENV:-}" || -n "${CONDA_PREFIX:-}" ]]; then
  PY=python
  say "using the active environment: ${VIRTUAL_ENV:-$CONDA_PREFIX}"
else
  VENV=${MMVSSL_VENV:-.venv}
  BASE_PY=${PYTHON:-python3}
  command -v "$BASE_PY" >/dev/null || die "'$BASE_PY' not found; set PYTHON=/path/to/python3.11"
  if [[ ! -x "$VENV/bin/python" ]]; then
    "$BASE_PY" - <<'PYEOF' || die "mmvssl needs Python 3.9-3.11 (mmcv 2.1.0 / mmaction2 1.2.0 are tested there); found $("$BASE_PY" --version 2>&1). Set PYTHON=python3.11 and re-run 'make install'."
import sys
sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)
PYEOF
    say "creating virtual environment $VENV with $($BASE_PY --version)"
    "$BASE_PY" -m venv "$VENV"
  fi
  PY="$ROOT/$VENV/bin/python"
fi
"$PY" - <<'PYEOF' || die "mmvssl needs Python 3.9-3.11; the environment has $("$PY" --version 2>&1). Use PYTHON=python3.11 (and remove .venv) or activate another environment."
import sys
sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)
PYEOF
PIP=("$PY" -m pip --disable-pip-version-check)

# run checks outside the repo, so `import mmvssl` means "installed", not
# "importable from the current directory"
have() { (cd / && "$PY" -c "$1" >/dev/null 2>&1); }

# ---------------------------------------------------------------- torch
if have "import torch"; then
  say "keeping installed torch $("$PY" -c 'import torch;print(torch.__version__)') (a CUDA build you installed is respected)"
else
  say "installing torch==$TORCH_VERSION"
  "${PIP[@]}" install -q "torch==$TORCH_VERSION" || die "torch==$TORCH_VERSION could not be installed; install a torch 2.x build yourself (e.g. a CUDA wheel) and re-run"
fi

# ---------------------------------------------------------------- build tools
if ! have "import setuptools, sys; sys.exit(setuptools.__version__ != '$SETUPTOOLS_VERSION')"; then
  say "installing setuptools==$SETUPTOOLS_VERSION (keeps pkg_resources, needed by mmcv's setup.py and mmaction:: configs)"
  "${PIP[@]}" install -q "setuptools==$SETUPTOOLS_VERSION" wheel ninja
fi
have "import ninja, wheel" || "${PIP[@]}" install -q wheel ninja

# ---------------------------------------------------------------- mmengine
if ! have "import mmengine, sys; sys.exit(mmengine.__version__ != '$MMENGINE_VERSION')"; then
  say "installing mmengine==$MMENGINE_VERSION"
  "${PIP[@]}" install -q "mmengine==$MMENGINE_VERSION"
fi

# ---------------------------------------------------------------- mmcv (ops, from source, cached wheel)
if have "import mmcv, sys; from mmcv.ops import roi_align; sys.exit(mmcv.__version__ != '$MMCV_VERSION')"; then
  say "mmcv $MMCV_VERSION with ops already installed"
else
  CUDA_TORCH=$("$PY" -c "import torch;print(int(torch.version.cuda is not None))")
  if [[ -z "${FORCE_CUDA:-}" ]]; then
    if [[ "$CUDA_TORCH" == 1 ]] && command -v nvcc >/dev/null; then FORCE_CUDA=1; else FORCE_CUDA=0; fi
  fi
  TAG=$("$PY" -c "import sys,torch;print(f'py{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__.replace(\"+\",\"_\")}')")-cuda$FORCE_CUDA
  CACHE=${MMVSSL_CACHE:-$HOME/.cache/mmvssl}/wheels/$TAG
  mkdir -p "$CACHE"
  WHEEL=$(ls "$CACHE"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n1 || true)
  if [[ -z "$WHEEL" ]]; then
    NJOBS=$(nproc 2>/dev/null || echo 2)
    say "building mmcv==$MMCV_VERSION from source with ops (FORCE_CUDA=$FORCE_CUDA, $NJOBS jobs)."
    say "this takes about 11 minutes on 2 CPU cores; it happens once, the wheel is cached in $CACHE"
    LOG="$CACHE/build.log"
    if ! MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE_CUDA MAX_JOBS=$NJOBS \
        "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$CACHE" "mmcv==$MMCV_VERSION" >"$LOG" 2>&1; then
      tail -n 30 "$LOG" >&2
      die "building mmcv failed (full log: $LOG). Check that gcc/g++ and the Python headers are installed (apt-get install build-essential python3-dev), that torch imports, and for CUDA that nvcc matches torch.version.cuda; then re-run 'make install'."
    fi
    WHEEL=$(ls "$CACHE"/mmcv-$MMCV_VERSION-*.whl | head -n1)
  else
    say "reusing cached mmcv wheel $WHEEL"
  fi
  "${PIP[@]}" install -q "$WHEEL"
fi

# ---------------------------------------------------------------- mmaction2 / mmdet / the rest
if ! have "import mmaction, mmdet, sys; sys.exit(mmaction.__version__ != '$MMACTION_VERSION' or mmdet.__version__ != '$MMDET_VERSION')"; then
  say "installing mmaction2==$MMACTION_VERSION mmdet==$MMDET_VERSION"
  "${PIP[@]}" install -q "mmaction2==$MMACTION_VERSION" "mmdet==$MMDET_VERSION"
fi
# ---------------------------------------------------------------- decord2
# mmaction2 declares `decord`, so pip installs decord 0.6.0 (unmaintained)
# with it. The maintained fork decord2 ships the same `decord` module: the
# two write the same site-packages/decord/ folder and cannot coexist, so
# decord 0.6.0 is removed first (pip then notes that mmaction2 "requires
# decord, which is not installed": decord2 provides it).
dist_version() { (cd / && "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null) || true; }
if [[ "$(dist_version decord2)" == "$DECORD2_VERSION" && -z "$(dist_version decord)" ]] && have "import decord, sys; sys.exit(decord.__version__ != '$DECORD2_VERSION')"; then
  say "decord2 $DECORD2_VERSION already installed"
else
  if [[ -n "$(dist_version decord)" ]]; then
    say "removing decord $(dist_version decord) (pulled in by mmaction2); decord2 provides the same module"
    "${PIP[@]}" uninstall -q -y decord
  fi
  say "installing decord2==$DECORD2_VERSION"
  "${PIP[@]}" install -q --force-reinstall --no-deps "decord2==$DECORD2_VERSION"
fi
say "installing runtime and test requirements"
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt
# openmim (`mim train mmvssl CONFIG`): --no-deps, because its dependency
# opendatalab -> openxlab pins setuptools~=60.2.0, requests~=2.28.2 and
# more, which would downgrade the stack's setuptools 80.9.0; mim itself only
# uses opendatalab's `odl` command in `mim download --dataset`.
if ! have "import sys, importlib.metadata as m; sys.exit(m.version('openmim') != '0.3.9')"; then
  say "installing openmim==0.3.9 (without opendatalab)"
  "${PIP[@]}" install -q --no-deps "openmim==0.3.9"
  "${PIP[@]}" install -q click colorama model-index pandas requests rich tabulate
fi
# editable install; re-run when the OpenMMLab layout is missing (setup.py
# links configs/, tools/, model-index.yml into mmvssl/.mim and installs the
# mmvssl-mim.pth start-up hook that resolves `mmvssl::` configs)
if ! have "import mmvssl, os, sys, sysconfig; d = os.path.dirname(mmvssl.__file__); sys.exit(not (os.path.isfile(os.path.join(d, '.mim', 'configs', 'constcl', 'r3d50_k400.py')) and os.path.isfile(os.path.join(sysconfig.get_paths()['purelib'], 'mmvssl-mim.pth'))))"; then
  say "installing mmvssl in editable mode"
  "${PIP[@]}" install -q --no-build-isolation --no-deps -e .
fi
(cd / && "$PY" -c "import mmvssl, mmaction.models, mmdet.models, decord, av; from mmcv.ops import roi_align; print('mmvssl', mmvssl.__version__, 'ready from', mmvssl.__file__, '(decord', decord.__version__ + ', PyAV', av.__version__ + ')')") \
  || die "the environment was installed but 'import mmvssl' failed; see the traceback above"
