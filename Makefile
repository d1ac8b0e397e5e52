# Courier: the commands people type. `make help` lists them.
# Every tool comes from .tools/ (installed by `make tools`); nothing is assumed on PATH but cargo and npm.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
FORGE := $(CURDIR)/.tools/bin/forge
# CI runs more fuzz and invariant cases (the `ci` profile in contracts/foundry.toml).
FOUNDRY_PROFILE_TEST := $(if $(CI),ci,default)
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: help devnet tools build test test-contracts test-gas test-rust artifacts check-artifacts vectors bench fmt clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

devnet: tools ## Start three local chains with Courier, a validator committee and a relayer (Ctrl-C stops).
	cargo run --locked -q -p courier-cli --bin courier -- devnet

tools: ## Install the pinned toolchain into .tools/ (a no-op when it is there).
	@bash tools/install.sh

build: tools ## Build the contracts and the Rust workspace.
	cd contracts && $(FORGE) build
	cargo build --workspace --locked

test: tools check-artifacts test-contracts test-gas test-rust ## Run every test (what CI runs).

test-contracts: tools ## forge format and lint checks, unit, fuzz (fixed seed) and invariant tests.
	cd contracts && $(FORGE) fmt --check
	cd contracts && $(FORGE) lint -D warnings
	cd contracts && FOUNDRY_PROFILE=$(FOUNDRY_PROFILE_TEST) $(FORGE) test

test-gas: tools ## Check the committed gas snapshots (contracts/snapshots/gas.json) still hold.
	cd contracts && FOUNDRY_PROFILE=gas FORGE_SNAPSHOT_CHECK=true $(FORGE) test

test-rust: ## Rust unit and integration tests.
ifeq ($(NEXTEST),yes)
	cargo nextest run --workspace --locked --no-tests=fail
else
	cargo test --workspace --locked
endif

artifacts: tools ## Rebuild the contracts and refresh the ABI/bytecode the Rust bindings read.
	cd contracts && $(FORGE) build
	node tools/export-artifacts.mjs contracts/out crates/bindings/artifacts

check-artifacts: tools ## Fail when crates/bindings/artifacts differ from a fresh contract build.
	cd contracts && $(FORGE) build
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	node tools/export-artifacts.mjs contracts/out "$$tmp"; \
	if ! diff -r -q crates/bindings/artifacts "$$tmp"; then \
	  echo "crates/bindings/artifacts is stale: run 'make artifacts' and commit the result" >&2; exit 1; \
	fi

vectors: ## Regenerate the shared test vectors in vectors/ and the light-client contract fixtures.
	cargo run --locked -q -p courier-core --bin courier-vectors -- vectors
	COURIER_WRITE_FIXTURES=1 cargo test --locked -q -p courier-lightclient --test it onchain::the_committed_onchain_fixture_is_current

bench: tools ## Print the benchmark figures (name=value), with ratios against the in-run baseline.
	cd contracts && FOUNDRY_PROFILE=gas $(FORGE) test >/dev/null
	@bash tools/bench-gas.sh contracts/snapshots/gas.json
	@cargo run --locked -q -p courier-bench --bin courier-bench

fmt: tools ## Format Rust and Solidity.
	cargo fmt --all
	cd contracts && $(FORGE) fmt

clean: ## Remove build outputs (keeps the toolchain).
	cargo clean
	rm -rf contracts/out contracts/cache
