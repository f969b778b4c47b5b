#!/usr/bin/env bash
# Retrains every shipped model; each command and its seed are also in the model's .json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD
T="/usr/bin/python3 -m tools.stoxnet.train"
$T --net small_cnn --float --epochs 5 --seed 1 --out models/small_cnn_float.sxvm
$T --net small_cnn --converter ideal --epochs 5 --seed 1 --out models/small_cnn_ideal.sxvm
# small_cnn_mtj (issue 14, docs/training.md): seven runs, each from the previous one's checkpoint;
# distillation from the float model above, then frozen batch norms under T drawn from 4, 8, 16.
S=build/train-stages
mkdir -p $S
M="--net small_cnn --converter mtj --w-slice 1 --samples 4"
K="--teacher models/small_cnn_float.pt --threads 1"
$T $M --epochs 4 --seed 1 --out $S/mtj_scratch.sxvm
$T $M $K --init $S/mtj_scratch.pt --epochs 3 --lr 1e-3 --seed 1 --out $S/mtj_kd.sxvm
$T $M $K --init $S/mtj_kd.pt --bn-frozen --train-samples 4,8,16 --epochs 1 --lr 3e-4 --seed 1 --out $S/mtj_frozen1.sxvm
$T $M $K --init $S/mtj_frozen1.pt --bn-frozen --train-samples 4,8,16 --epochs 3 --lr 5e-4 --seed 2 --out $S/mtj_frozen2.sxvm
$T $M $K --init $S/mtj_frozen2.pt --bn-frozen --train-samples 4,8,16 --noise-grad --epochs 2 --lr 5e-4 --seed 3 \
    --out $S/mtj_noise_grad.sxvm
$T $M $K --init $S/mtj_noise_grad.pt --bn-frozen --train-samples 4,8,16 --noise-grad --ema 0.998 --epochs 3 --lr 3e-4 \
    --seed 5 --out $S/mtj_ema.sxvm
$T $M $K --init $S/mtj_ema.pt --bn-frozen --train-samples 4,8,16 --noise-grad --epochs 10 --lr 1e-3 --seed 8 \
    --out models/small_cnn_mtj.sxvm
$T --net small_cnn --converter sparse_adc --adc-bits 4 --epochs 5 --seed 1 --out models/small_cnn_sparse_adc.sxvm
$T --net small_cnn --converter sense_amp --epochs 5 --seed 1 --out models/small_cnn_sense_amp.sxvm
# The ternary small CNN for the racetrack associative processor (issue 12): model file, AP programs.
/usr/bin/python3 -m tools.stoxnet.ternary --epochs 2 --seed 1 --threads 1 --out models/small_cnn_ternary
# The paper's network, ResNet-20 (hours of CPU; resumable: models/train_resnet20.sh).
bash models/train_resnet20.sh
