# reloc — the two commands a newcomer needs: `make demo` and `make test`.
# Each installs what is missing first (scripts/bootstrap), then builds and runs.
SWIFT ?= swift
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Package.swift compiles the Swift code for this machine's AVX2 + FMA when it has them;
# `RELOC_PORTABLE=1 make build` builds for any x86-64 (see README).

.PHONY: all bootstrap build build-bench build-debug test test-cluster demo bench clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release -j $(JOBS) --product reloc

# reloc and RelocBench, as the scripts under benchmarks/ expect them.
build-bench: build
	$(SWIFT) build -c release -j $(JOBS) --product RelocBench

build-debug: bootstrap
	$(SWIFT) build -j $(JOBS)

# Builds every target optimized (the reloc binary too: the end-to-end tests run it), then runs
# the suite. Optimized, because the tests render images and solve thousands of poses; testing
# is enabled so that tests can reach internal API (@testable); a scratch folder of their own
# keeps `make demo` (built without testing) from rebuilding everything after each `make test`.
TEST_FLAGS = -c release -Xswiftc -enable-testing --scratch-path .build-test
test: bootstrap
	$(SWIFT) build -j $(JOBS) --build-tests $(TEST_FLAGS)
	$(SWIFT) test -j $(JOBS) --skip-build --disable-swift-testing $(TEST_FLAGS)

demo: build
	@scripts/demo

# A one-node Slurm cluster on localhost runs the sharded localization and the merge, and the
# result must equal the single-process run (scripts/test-cluster; installs slurm and munge).
test-cluster: build
	scripts/test-cluster

# The synthetic datasets (rendered once; `make datasets/synthetic-default` etc.).
datasets/synthetic-%: build
	.build/release/reloc synth --output $@ --preset $*

bench: build-bench
	OPENBLAS_NUM_THREADS=1 .build/release/RelocBench p3p
	OPENBLAS_NUM_THREADS=1 .build/release/RelocBench pnp --problems 10
	.build/release/RelocBench match
	.build/release/RelocBench model-io

clean:
	rm -rf .build demo-output
