# Parley. Two commands do all the setup on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CONFIG ?= debug
SWIFT_BUILD := swift build -c $(CONFIG)
BIN := .build/$(CONFIG)
PYTEST := .venv/bin/pytest

.PHONY: build run gradio test test-swift test-python test-tools bench bench-docs eval clean doctor
.PHONY: docker provision deploy undeploy assign-local-role

build:
	$(SWIFT_BUILD) --product parley

## Serve the page and /ask on :8087 (offline mode without configuration; reads .env when present).
## With nothing configured (no PARLEY_DOCS_DIR, no endpoint, in the environment or .env), answers come
## from sample-docs/ (Parley's own docs), so the first run shows a grounded answer. PARLEY_DOCS_DIR=
## (empty) turns that off.
run: build
	@if [ -d sample-docs ] && [ -z "$${PARLEY_DOCS_DIR+set}$${OPENAI_API_BASE:-}$${AZURE_OPENAI_ENDPOINT:-}$${PARLEY_BACKENDS_FILE:-}" ] \
	    && ! grep -qsE '^[[:space:]]*(PARLEY_DOCS_DIR|OPENAI_API_BASE|AZURE_OPENAI_ENDPOINT|PARLEY_BACKENDS_FILE)=' .env; then \
	  echo "make run: answering from sample-docs/ (set PARLEY_DOCS_DIR to your own folder, or PARLEY_DOCS_DIR= for none)"; \
	  export PARLEY_DOCS_DIR=sample-docs; \
	fi; \
	exec $(BIN)/parley serve

## For users of the original gradio chatbot: the same as `make run`.
gradio: run

doctor: build
	$(BIN)/parley doctor

## Installs what the suites need (apt, pip into .venv), then runs every suite.
test: test-tools test-swift test-python

test-tools:
	scripts/install-test-tools.sh

## The Swift suites, with a throwaway PostgreSQL on a loopback port for the shared-store tests
## (required under CI=true; skipped with a warning elsewhere when PostgreSQL cannot be started).
## Three passes, each one process running its tests in parallel: the libraries' suites (their
## deadline and cancellation tests measure wall-clock latency), then the server, store and document
## suites (PostgreSQL, SQLite indexing, sign-in key generation: CPU-heavy), then the traffic suite
## (500 concurrent streams). Run together on 2 cores, the heavy suites made a library deadline test
## miss by a few milliseconds in one run of two (measured 2026-11-30); each pass takes seconds.
LIBRARY_SUITES := ParleyOutboundTests|ParleyIdentityTests|ParleyAzureOpenAITests|ParleyChatTests
test-swift:
	swift build --build-tests
	if pg=$$(scripts/test-postgres.sh start); then eval "$$pg"; \
	elif [ "$${CI:-}" = true ]; then echo "make: PostgreSQL could not be started" >&2; exit 1; \
	else echo "make: warning: no PostgreSQL, so its tests are skipped" >&2; fi; \
	status=0; swift test --skip-build --filter '$(LIBRARY_SUITES)' || status=$$?; \
	swift test --skip-build --skip 'RealTrafficTests|$(LIBRARY_SUITES)' || status=$$?; \
	swift test --skip-build --filter RealTrafficTests || status=$$?; \
	scripts/test-postgres.sh stop >/dev/null 2>&1 || true; \
	exit $$status

test-python:
	$(PYTEST) -q -p no:cacheprovider Tests

## Figures, not asserts: parley vs an nginx proxy, 500 slow streams, a memory soak, /ask tables (scripts/bench.sh).
bench:
	scripts/bench.sh

## Document retrieval over sample-docs/ against Tests/eval/questions.json: recall@1, recall@5 and MRR
## of keyword, semantic (a deterministic hashed-words embedding) and fused retrieval. MISSES=1 lists misses.
eval:
	$(SWIFT_BUILD) --product parley-eval
	$(BIN)/parley-eval --docs sample-docs --questions Tests/eval/questions.json $(if $(MISSES),--misses)

## Index a synthetic corpus of BENCH_PASSAGES (10000) passages: time and peak RSS (CONFIG=release for real figures).
BENCH_PASSAGES ?= 10000
bench-docs:
	$(SWIFT_BUILD) --product parley-eval
	$(BIN)/parley-eval --bench $(BENCH_PASSAGES)

clean:
	swift package clean
	rm -rf .build-release test-output

## Build the container image locally (needs Docker; `make provision` builds it in ACR instead).
docker:
	docker build --tag parley:local .

## Create or update everything in Azure and deploy to AKS (idempotent). DRY_RUN=1 (or true) prints the plan;
## DRY_RUN=0, false or nothing runs it.
provision:
	release/provision.sh $(if $(filter 1 true TRUE True,$(DRY_RUN)),--dry-run)

## Deploy the current code to the provisioned cluster: build the image if new, render release/*.yaml, apply, verify.
deploy:
	release/provision.sh --deploy-only

## Remove Parley from the cluster, in NAMESPACE (default parley; every manifest's objects, the replicas' too).
## The namespace and the Azure resources stay (az group delete --name parley-rg removes those).
undeploy:
	kubectl delete deployment,service,serviceaccount,networkpolicy,poddisruptionbudget,ingress \
		--namespace "$${NAMESPACE:-parley}" --selector app.kubernetes.io/name=parley --ignore-not-found

## Give the signed-in az user "Cognitive Services OpenAI User" on the Azure OpenAI account, for make run.
assign-local-role:
	release/assign-local-role.sh
