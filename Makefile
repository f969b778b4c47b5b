# Front door. `make run` runs the default job, `make test` builds and runs the whole suite;
# both first install whatever Debian packages are missing (tools/setup.sh).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_ARGS ?=
# Where the firmware runs: host (compiled for this machine) or riscv (the RV32 image on the
# instruction-set simulator). Same application, same predictions.
FIRMWARE ?= host

PY = PYTHONPATH=$(CURDIR) STOXVP_MODEL_LIB=$(CURDIR)/$(BUILD_DIR)/firmware/libstoxvp_model.so /usr/bin/python3

.PHONY: all deps configure build run test bench docs accuracy compare models clean

all: build

deps:
	@bash tools/setup.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The default inference: the shipped small CNN under the stochastic MTJ converter on the first
# 1000 Fashion-MNIST test images. RUN_ARGS="--all" runs all 10,000; FIRMWARE=riscv runs the
# cross-compiled firmware on the RV32 instruction-set simulator.
run: build
	@mkdir -p traces
	./$(BUILD_DIR)/tools/stoxvp --config configs/default.json --model models/small_cnn_mtj.sxvm --cpu $(FIRMWARE) $(RUN_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash bench/run.sh $(BUILD_DIR)

docs: build
	./$(BUILD_DIR)/tools/stoxvp_regdoc > docs/registers.md
	./$(BUILD_DIR)/tools/stoxvp_modeldoc > docs/model-format.md

# The accuracy table: PyTorch and the platform under every converter design (traces/accuracy.json);
# NET=resnet20 for the paper's network (traces/accuracy_resnet20.json).
NET ?= small_cnn
accuracy: build
	@mkdir -p traces
	$(PY) -m tools.stoxnet.accuracy --net $(NET) --stoxvp $(BUILD_DIR)/tools/stoxvp $(ACCURACY_ARGS)

# The paper's comparison: ResNet-20 (CIFAR-10 shapes) under the five designs (traces/compare.json).
compare: build
	@mkdir -p traces
	$(PY) -m tools.stoxnet.compare --stoxvp $(BUILD_DIR)/tools/stoxvp

# The racetrack associative processor against the crossbar on the same ternary weights (issue 12).
ap-compare: build
	@mkdir -p traces
	$(PY) -m tools.stoxnet.ap_compare --binary $(BUILD_DIR)/tools/stoxvp $(AP_COMPARE_ARGS)
.PHONY: ap-compare

# Retrains every shipped model (models/train_all.sh; each model's .json records its command).
models: build
	bash models/train_all.sh

clean:
	rm -rf $(BUILD_DIR)

# Fuzzes every parser and the descriptor ring for FUZZ_SECONDS each (clang's libFuzzer, with
# AddressSanitizer and UndefinedBehaviorSanitizer; fuzz/run.sh). FUZZ_TARGETS="model idx" picks some.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?=
.PHONY: fuzz
fuzz: deps
	@test -f $(FUZZ_BUILD_DIR)/CMakeCache.txt || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) \
	  -DSTOXVP_FUZZ=ON -DSTOXVP_SANITIZE=address,undefined -DSTOXVP_BUILD_TESTS=OFF -DSTOXVP_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers
	bash fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The FlexSpIM paper's comparisons on the snn_cim tiles (docs/snn-cim.md, traces/snn_compare.json).
.PHONY: snn-compare
snn-compare: build
	@mkdir -p traces data
	test -f data/fmnist_test2000.sxev || $(PY) -m tools.stoxnet.events --split test --count 2000 --out data/fmnist_test2000.sxev --seed 1
	$(PY) -m tools.stoxnet.snn_compare --bin $(BUILD_DIR)/tools/stoxvp --events data/fmnist_test2000.sxev -n 50

# A design-space sweep on Snakemake (docs/exploration.md): SWEEP=<file> (YAML or JSON), on this
# machine's cores; SWEEP_ARGS="--profile tools/sweep/slurm" submits the points to Slurm. Results in
# traces/sweeps/<name>/: results.csv, results.json, sweep.html.
SWEEP ?=
SWEEP_ARGS ?=
.PHONY: sweep
sweep: build
	@test -n "$(SWEEP)" || { echo "make sweep SWEEP=<sweep file>, e.g. SWEEP=sweeps/mtj_t.yaml" >&2; exit 2; }
	PYTHONPATH=$(CURDIR)/$(BUILD_DIR)/python /usr/bin/python3 -m stoxvp.sweep run $(SWEEP) --cores $(JOBS) $(SWEEP_ARGS)
# The fp_pim comparison (docs/fp-pim.md): one training iteration of the MLP 784-128-10 under the
# floatpim and sot cost profiles, a sweep over the SOT full-add step, the paper's ratios beside.
.PHONY: fp-compare
fp-compare: build
	./$(BUILD_DIR)/tools/stoxvp_fp_compare $(RUN_ARGS)
