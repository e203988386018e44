# reloc — the two commands a newcomer needs: `make demo` and `make test`.
# Each installs what is missing first (scripts/bootstrap), then builds and runs.
SWIFT ?= swift
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all bootstrap build build-debug test demo bench clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release -j $(JOBS) --product reloc

build-debug: bootstrap
	$(SWIFT) build -j $(JOBS)

# Builds every target (the reloc binary too: the end-to-end tests run it), then runs the suite.
test: bootstrap
	$(SWIFT) build -j $(JOBS) --build-tests
	$(SWIFT) test -j $(JOBS) --skip-build --disable-swift-testing

demo: build
	@scripts/demo

bench: bootstrap
	$(SWIFT) run -c release RelocBench model-io

clean:
	rm -rf .build demo-output
