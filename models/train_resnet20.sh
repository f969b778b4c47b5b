#!/usr/bin/env bash
# Trains the paper's network, ResNet-20 with CIFAR-10 shapes on Fashion-MNIST padded to 3x32x32:
# float, quantised ideal, MTJ T = 4 and MTJ inhomogeneous (each command and seed is also in the
# model's .json, with the time it took). Hours of CPU: every stage prints its progress and saves
# its state every 5 minutes; run this script again after an interruption and it goes on where it
# stopped (finished stages are marked in models/.resnet20-stages, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD
T="/usr/bin/python3 -m tools.stoxnet.train --net resnet20_cifar --seed 1 --threads 1"
STAGES=models/.resnet20-stages
mkdir -p "$STAGES"

stage() {  # stage NAME ARGS...: runs the training unless this retraining already finished it
  local name=$1; shift
  if [[ -e "$STAGES/$name" ]]; then echo "resnet20 $name: done in this retraining, skipped"; return; fi
  echo "resnet20 $name: $T $*"
  $T "$@"
  touch "$STAGES/$name"
}

stage float --float --epochs 2 --out models/resnet20_float.sxvm
stage ideal --converter ideal --w-slice 1 --init models/resnet20_float.pt --epochs 0.5 --lr 1e-3 \
  --out models/resnet20_ideal.sxvm
stage mtj --converter mtj --w-slice 1 --samples 4 --init models/resnet20_float.pt --epochs 0.5 --lr 2e-3 \
  --out models/resnet20_mtj.sxvm
stage mtj_inhom --converter mtj --w-slice 1 --samples 1,2,4 --init models/resnet20_mtj.pt --epochs 0.2 --lr 5e-4 \
  --out models/resnet20_mtj_inhom.sxvm
rm -rf "$STAGES"
