# Imagery-IaC: one entry point for building, generating, testing and running the project.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT       ?= swift
PYTHON      ?= python3
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config libyaml-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev libcurl4-openssl-dev systemd passwd chromium chromium-driver python3-venv
HCL2_VENV   := .venv-hcl2
# The Python tools of requirements-dev.txt (moto, cfn-lint, Selenium, boto3) live in their own virtualenv:
# Debian 12's python3 refuses `pip install` outside one (PEP 668). Every recipe, and so every test that
# `make` starts, finds that virtualenv's python3 and tools first on PATH.
DEV_VENV    := .venv-dev
export PATH := $(CURDIR)/$(DEV_VENV)/bin:$(PATH)

# Stack commands (make deploy STACK=imagery REGION=eu-west-1 PROFILE=dev ARGS="--yes") and the local AWS (moto).
STACK       ?= imagery
REGION      ?=
PROFILE     ?=
ARGS        ?=
MOTO_PORT   ?= 5000
IMAGERY_PORT ?= 8080
MOTO_URL    := http://127.0.0.1:$(MOTO_PORT)
MOTO_PID    := .infra/moto.pid
# What local runs use against moto: test keys, a region, the endpoint.
LOCAL_AWS   := AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=$(MOTO_URL)
STACK_FLAGS  = --stack-name $(STACK) $(if $(REGION),--region $(REGION)) $(if $(PROFILE),--profile $(PROFILE))

.PHONY: roundtrip import-check example-test bench bench-deps bench-deploy bench-synth bench-worker soak soak-short help deps build synth synth-check generate schemas test lint demo demo-stack clean deploy destroy moto-start moto-stop release stage stage-test ami bake-deps bake-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

deps: ## Install missing Debian and Python packages (idempotent)
	@missing=""; for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi
	@[ -f $(DEV_VENV)/.installed ] && [ $(DEV_VENV)/.installed -nt requirements-dev.txt ] || \
	  { echo "installing requirements-dev.txt into $(DEV_VENV)"; { [ -x $(DEV_VENV)/bin/python ] || $(PYTHON) -m venv $(DEV_VENV); } && \
	    $(DEV_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt && touch $(DEV_VENV)/.installed; }
	@[ -x $(HCL2_VENV)/bin/python ] && $(HCL2_VENV)/bin/python -c 'import hcl2' 2>/dev/null || \
	  { $(PYTHON) -m venv $(HCL2_VENV) && $(HCL2_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-hcl2.txt; }

build: ## Debug build of every target
	$(SWIFT) build

synth: ## Write templates/ and packer/ from the Swift model
	$(SWIFT) run infra synth

synth-check: ## Fail if the committed templates/ and packer/ differ from what synth produces
	$(SWIFT) run infra synth --check

schemas: ## Re-dump the CloudFormation resource schemas from cfn-lint (needs Python + cfn-lint)
	$(PYTHON) scripts/dump-cfn-schemas.py schemas

generate: ## Regenerate Sources/Language/CloudFormationResources/Generated from schemas/
	$(SWIFT) run cfn-codegen schemas Sources/Language/CloudFormationResources/Generated

lint: ## cfn-lint both templates and parse the Packer file with python-hcl2
	cfn-lint --include-checks I --format parseable -- templates/imagery.yaml templates/imagery-local.yaml
	$(HCL2_VENV)/bin/python scripts/check-packer-hcl.py packer/imagery.pkr.hcl

test: deps ## Install what is missing, then run every test
	$(SWIFT) build --build-tests
	$(SWIFT) run cfn-codegen schemas Sources/Language/CloudFormationResources/Generated --check
	$(SWIFT) run infra synth --check
	$(PYTHON) scripts/roundtrip-corpus.py $$($(SWIFT) build --show-bin-path)/cfn-roundtrip
	SWIFT=$(SWIFT) $(PYTHON) scripts/import-corpus.py $$($(SWIFT) build --show-bin-path)/infra
	$(MAKE) lint
	PACKER_HCL_CHECK=$(abspath $(HCL2_VENV))/bin/python $(SWIFT) test
	$(MAKE) example-test
	$(MAKE) stage-test
	$(MAKE) bake-test
	$(MAKE) soak-short

roundtrip: ## Read every template of Tests/Fixtures/cfn-templates, render it back, compare under cfn-lint's decoder
	$(SWIFT) build --product cfn-roundtrip
	$(PYTHON) scripts/roundtrip-corpus.py $$($(SWIFT) build --show-bin-path)/cfn-roundtrip

import-check: ## infra import every corpus template and the Imagery ones, compile them in .build/import-check, compare under cfn-lint's decoder
	$(SWIFT) build --product infra
	SWIFT=$(SWIFT) $(PYTHON) scripts/import-corpus.py $$($(SWIFT) build --show-bin-path)/infra

example-test: deps ## Examples/JobService, a package that uses the toolchain by path: build, its tests, synth --check, deploy/outputs/destroy on its own moto
	SWIFT=$(SWIFT) $(PYTHON) scripts/example-test.py

demo: deps ## Local Imagery: build, moto, imagery-local, server + worker, one image processed; Ctrl-C stops all (MOTO_PORT=, IMAGERY_PORT=)
	MOTO_PORT=$(MOTO_PORT) IMAGERY_PORT=$(IMAGERY_PORT) scripts/demo.sh

demo-stack: ## Deploy imagery-local to the running moto and print its outputs as KEY=value
	$(SWIFT) build --product infra
	$(LOCAL_AWS) $(SWIFT) run -q infra deploy --template imagery-local --stack-name imagery-local --endpoint-url $(MOTO_URL) --yes
	@echo; echo "== outputs (.infra/imagery-local.outputs.json; as env: infra outputs --format env) =="
	@$(LOCAL_AWS) $(SWIFT) run -q infra outputs --stack-name imagery-local --endpoint-url $(MOTO_URL) --format env

deploy: ## Create or update the stack: STACK=, REGION=, PROFILE=, ARGS="--template imagery-local --yes ..."
	$(SWIFT) run infra deploy $(STACK_FLAGS) $(ARGS)

destroy: ## Empty the stack's buckets and delete it: STACK=, REGION=, PROFILE=, ARGS="--yes"
	$(SWIFT) run infra destroy $(STACK_FLAGS) $(ARGS)

moto-start: ## Start moto on 127.0.0.1:MOTO_PORT (default 5000) in the background (pidfile .infra/moto.pid, log .infra/moto.log)
	@mkdir -p .infra
	@if [ -f $(MOTO_PID) ] && kill -0 $$(cat $(MOTO_PID)) 2>/dev/null; then echo "moto already running: $(MOTO_URL) (pid $$(cat $(MOTO_PID)))"; exit 0; fi; \
	nohup $(PYTHON) scripts/moto-server.py --port $(MOTO_PORT) > .infra/moto.log 2>&1 & echo $$! > $(MOTO_PID); \
	for i in $$(seq 1 300); do grep -q '^ready ' .infra/moto.log 2>/dev/null && { echo "moto running: $(MOTO_URL) (pid $$(cat $(MOTO_PID)))"; exit 0; }; \
	  kill -0 $$(cat $(MOTO_PID)) 2>/dev/null || break; sleep 0.1; done; \
	echo "moto did not start; see .infra/moto.log (install it with make deps)"; cat .infra/moto.log; rm -f $(MOTO_PID); exit 1

moto-stop: ## Stop the moto started by moto-start
	@if [ -f $(MOTO_PID) ]; then kill $$(cat $(MOTO_PID)) 2>/dev/null && echo "moto stopped (pid $$(cat $(MOTO_PID)))" || echo "moto was not running"; rm -f $(MOTO_PID); \
	else echo "moto is not running (no $(MOTO_PID))"; fi

bench-deploy: deps ## infra deploy vs aws cloudformation deploy of the full template on moto -> bench/results/deploy.txt
	$(SWIFT) build $(RELEASE_FLAGS) --product infra
	RUNS=$${RUNS:-7} INFRA=$(RELEASE_BIN)/infra $(PYTHON) bench/deploy.py

bench-worker: bench-deps ## Worker vs Pillow per kind of 12 MP content (smooth, noisy, texture) and a throughput run on moto -> bench/results/worker.txt
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-worker
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-server
	cd bench && timeout $(BENCH_TIMEOUT) ../$(BENCH_PY) bench_worker.py $(RELEASE_BIN)/imagery-worker $(RELEASE_BIN)/imagery-server $(BENCH_WORKER_ARGS)
	cd bench && ../$(BENCH_PY) report.py

bench-synth: bench-deps ## infra synth (release, as make release links it) vs troposphere and the AWS CDK writing the same template -> bench/results/synth.txt
	$(SWIFT) build $(RELEASE_FLAGS) --product infra
	cd bench && timeout $(BENCH_TIMEOUT) ../$(BENCH_PY) synth_bench.py $(RELEASE_BIN)/infra $(BENCH_SYNTH_ARGS)

RELEASE_FLAGS := -c release --static-swift-stdlib
RELEASE_BIN = $(shell $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)
PUBLIC_DIR  ?= Sources/Imagery/ImageryServer/public

release: ## Release builds of imagery-server and imagery-worker, Swift runtime linked statically
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-server
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-worker
	scripts/check-runtime-deps.sh $(RELEASE_BIN)/imagery-server $(RELEASE_BIN)/imagery-worker

stage: release ## Stage binaries, web assets, systemd units and provision.sh under packer/build/
	rm -rf packer/build
	install -d packer/build/bin packer/build/systemd packer/build/public
	install -m 0755 $(RELEASE_BIN)/imagery-server $(RELEASE_BIN)/imagery-worker packer/build/bin/
	cp -R $(PUBLIC_DIR)/. packer/build/public/
	install -m 0644 packer/files/imagery-server.service packer/files/imagery-worker.service packer/build/systemd/
	install -m 0755 packer/files/provision.sh packer/build/provision.sh
	@echo "staged: $$(find packer/build -type f | wc -l) files in packer/build"

stage-test: stage ## The staged release binaries, started as on an instance, serve and process one image against moto
	$(PYTHON) scripts/staged-smoke-test.py

# The bake test (scripts/bake-test.py): a Debian 12 root file system from Debian's mirror, cached in
# .build-bake/, booted with systemd-nspawn in a private network namespace. Needs root.
BAKE_APT := mmdebstrap systemd-container openssh-client dpkg-dev iproute2 util-linux

bake-deps: ## Install what make bake-test needs (Debian): mmdebstrap, systemd-nspawn, ssh, dpkg-scanpackages, ip
	@missing=""; for p in $(BAKE_APT); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

bake-test: deps bake-deps stage ## Bake packer/build/ as Packer would (provisioners from the HCL, scp, execute_command), boot it as EC2 would, process one image
	$(SUDO) $(PYTHON) scripts/bake-test.py

ami: stage ## Bake the AMI with Packer (writes packer/manifest.json, which infra deploy reads)
	@command -v packer >/dev/null 2>&1 || { echo "make ami: packer is not installed. Install it from" \
	  "https://developer.hashicorp.com/packer/install (Debian: HashiCorp's apt repository, package 'packer')," \
	  "then run make ami again. Everything up to 'packer build' is staged in packer/build/." >&2; exit 1; }
	packer init packer/imagery.pkr.hcl
	packer build -var "region=$(or $(REGION),us-east-1)" -var "git_commit=$$(git rev-parse HEAD)" packer/imagery.pkr.hcl

SOAK_SECONDS ?= 300
SOAK_SEED    ?=
SOAK_ARGS    ?=

soak: deps stage ## Chaos soak: uploads while workers, server and moto are killed/paused (SOAK_SECONDS=300 SOAK_SEED=) -> bench/results/soak.txt
	$(PYTHON) scripts/soak.py --bin-dir packer/build/bin --seconds $(SOAK_SECONDS) $(if $(SOAK_SEED),--seed $(SOAK_SEED)) --bench-results $(SOAK_ARGS)

soak-short: ## The 30 s chaos soak make test runs on the staged binaries (after make stage) -> .infra/soak-short.txt
	$(PYTHON) scripts/soak.py --bin-dir packer/build/bin --seconds 30 --work-dir .infra/soak-short --report .infra/soak-short.txt $(SOAK_ARGS)

BENCH_VENV        := .venv-bench
BENCH_APT         := wrk time curl
BENCH_PY          := $(BENCH_VENV)/bin/python
BENCH_TIMEOUT     ?= 900
BENCH_WORKER_ARGS ?=
BENCH_SERVER_ARGS ?=
BENCH_SYNTH_ARGS  ?=

$(BENCH_VENV)/.installed: bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt
	touch $@

bench-deps: $(BENCH_VENV)/.installed ## Install what make bench needs: wrk, GNU time, curl (Debian) and .venv-bench (Pillow, numpy, moto, troposphere, aws-cdk-lib)
	@missing=""; for p in $(BENCH_APT); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

bench: deps bench-deps ## All benchmarks (worker vs Pillow, server, idle cost, synth vs troposphere/CDK, deploy vs AWS CLI) -> bench/results/, bench/RESULTS.md
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-worker
	$(SWIFT) build $(RELEASE_FLAGS) --product imagery-server
	cd bench && timeout $(BENCH_TIMEOUT) ../$(BENCH_PY) bench_worker.py $(RELEASE_BIN)/imagery-worker $(RELEASE_BIN)/imagery-server $(BENCH_WORKER_ARGS)
	cd bench && timeout $(BENCH_TIMEOUT) ../$(BENCH_PY) bench_server.py $(RELEASE_BIN)/imagery-server $(BENCH_SERVER_ARGS)
	cd bench && timeout $(BENCH_TIMEOUT) ../$(BENCH_PY) bench_idle.py $(RELEASE_BIN)/imagery-worker $(RELEASE_BIN)/imagery-server
	$(MAKE) bench-synth
	$(MAKE) bench-deploy
	cd bench && ../$(BENCH_PY) report.py

# Fuzzing (Fuzz/README.md): every module, dependencies included, built with -sanitize=fuzzer,address
# into .build-fuzz (apart from the normal build); work corpora and crash artifacts in .build-fuzz/work.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= multipart image cfn-xml aws-json shared-config
# swiftc keeps only the last -sanitize= flag, and SwiftPM orders its --sanitize list at random: one
# combined flag last, after --sanitize=fuzzer (which keeps SwiftPM from renaming main; libFuzzer has it).
FUZZ_BUILD_FLAGS := -c release --build-path ../.build-fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address

.PHONY: fuzz
fuzz: ## libFuzzer+ASan: build Fuzz/, run each target FUZZ_SECONDS (60) s from Fuzz/corpora -> bench/results/fuzz.txt
	cd Fuzz && $(SWIFT) build $(FUZZ_BUILD_FLAGS)
	$(PYTHON) Fuzz/run.py --bin .build-fuzz/release --seconds $(FUZZ_SECONDS) --out bench/results/fuzz.txt $(FUZZ_TARGETS)

clean: ## Remove build products
	rm -rf .build .build-* $(HCL2_VENV) $(BENCH_VENV) bench/work
