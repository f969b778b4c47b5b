# Front door. `make run` runs the default job, `make test` builds and runs the whole suite;
# both first install whatever Debian packages are missing (tools/setup.sh).
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_ARGS ?=

.PHONY: all deps configure build run test bench docs clean

all: build

deps:
	@bash tools/setup.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@mkdir -p traces
	./$(BUILD_DIR)/tools/stoxvp --config configs/default.json $(RUN_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash bench/run.sh $(BUILD_DIR)

docs: build
	./$(BUILD_DIR)/tools/stoxvp_regdoc > docs/registers.md

clean:
	rm -rf $(BUILD_DIR)
