# Parley. Two commands do all the setup on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CONFIG ?= debug
SWIFT_BUILD := swift build -c $(CONFIG)
BIN := .build/$(CONFIG)
PYTEST := .venv/bin/pytest

.PHONY: build run gradio test test-swift test-python test-tools bench clean doctor

build:
	$(SWIFT_BUILD) --product parley

## Serve the page and /ask on :8087 (offline mode without configuration; reads .env when present).
run: build
	$(BIN)/parley serve

## For users of the original gradio chatbot: the same as `make run`.
gradio: run

doctor: build
	$(BIN)/parley doctor

## Installs what the suites need (apt, pip into .venv), then runs every suite.
test: test-tools test-swift test-python

test-tools:
	scripts/install-test-tools.sh

test-swift:
	swift build --build-tests
	swift test --skip-build

test-python:
	$(PYTEST) -q -p no:cacheprovider Tests

## Requests/s and latency of /ask against a fast loopback fake, plus memory. Figures, not asserts.
bench:
	scripts/bench.sh

clean:
	swift package clean
	rm -rf .build-release test-output
