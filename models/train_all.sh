#!/usr/bin/env bash
# Retrains every shipped model; each command and its seed are also in the model's .json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD
T="/usr/bin/python3 -m tools.stoxnet.train"
$T --net small_cnn --float --epochs 5 --seed 1 --out models/small_cnn_float.sxvm
$T --net small_cnn --converter ideal --epochs 5 --seed 1 --out models/small_cnn_ideal.sxvm
$T --net small_cnn --converter mtj --w-slice 1 --samples 4 --epochs 4 --seed 1 --out models/small_cnn_mtj.sxvm
$T --net small_cnn --converter sparse_adc --adc-bits 4 --epochs 5 --seed 1 --out models/small_cnn_sparse_adc.sxvm
$T --net small_cnn --converter sense_amp --epochs 5 --seed 1 --out models/small_cnn_sense_amp.sxvm
# The ternary small CNN for the racetrack associative processor (issue 12): model file, AP programs.
/usr/bin/python3 -m tools.stoxnet.ternary --epochs 2 --seed 1 --threads 1 --out models/small_cnn_ternary
# The paper's network, ResNet-20 (hours of CPU; resumable: models/train_resnet20.sh).
bash models/train_resnet20.sh
