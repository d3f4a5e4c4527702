# LibreChat operators: build, test and run the Kubernetes-native control plane for AI chat platforms.
# Every target uses the Node.js 24 pinned in package.json (node_modules/.bin comes first on PATH).

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
DEV_DIR ?= $(CURDIR)/.dev
KUBECONFIG ?= $(DEV_DIR)/kubeconfig
export KUBECONFIG

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

node_modules/.install-stamp: package.json package-lock.json
	bash hack/ensure-node.sh
	@touch $@

.PHONY: deps
deps: node_modules/.install-stamp ## Install the pinned Node.js 24 and npm dependencies.

.PHONY: manifests
manifests: deps ## Regenerate generated files: CRD YAML (from the TypeBox schemas in crds/), webhook configurations, RBAC (from the controller modules), the Argo CD health patch, Helm chart and dashboards.
	node crds/generate.ts
	node webhooks/generate-manifests.ts
	node cmd/manager/rbac.ts
	node hack/generate/main.ts

.PHONY: fmt
fmt: deps ## Format the code with prettier.
	npm run -s fmt

.PHONY: typecheck
typecheck: deps ## Type-check with the strictest TypeScript settings.
	npm run -s typecheck

.PHONY: lint
lint: deps ## Lint with type-aware ESLint rules.
	npm run -s lint

.PHONY: verify
verify: deps ## Typecheck, lint, check formatting (prettier, code files), and fail if generated files are stale.
	npm run -s typecheck
	npm run -s lint
	npm run -s fmt:check
	node crds/generate.ts --check
	node webhooks/generate-manifests.ts --check
	node cmd/manager/rbac.ts --check
	node hack/generate/main.ts --check

##@ Test

.PHONY: test
test: deps ## Run every test: unit, then integration against a real local control plane, Keycloak, PostgreSQL and Redis.
	bash hack/test.sh all

.PHONY: test-unit
test-unit: deps ## Run the unit tests (no cluster needed).
	npm run -s test:unit

.PHONY: test-integration
test-integration: deps ## Run the integration tests (starts its own control plane and services).
	bash hack/test.sh integration

.PHONY: screenshots
screenshots: deps ## Regenerate the README's screenshots (docs/screenshots/) by running the browser tests.
	UPDATE_SCREENSHOTS=1 bash hack/test.sh integration test/integration/chat-web/*.test.ts

.PHONY: test-images
test-images: images ## Smoke-test the images: start inference-gateway and manager from their unpacked filesystems (read-only root, uid 65532) and probe /healthz.
	W=$$(bash hack/testenv/up.sh) && . $$W/env && rc=0 && { bash images/smoke.sh || rc=1; } && bash hack/testenv/down.sh $$W && exit $$rc

.PHONY: bench
bench: deps ## Run the benchmarks and print their tables (not part of make test).
	bash hack/bench.sh

##@ Images

.PHONY: images
images: deps ## Build the manager, inference-gateway and chat-gateway OCI images into .dev/images/oci (no Docker daemon; umoci) and print their sizes.
	bash images/build.sh

##@ Local cluster

.PHONY: dev-cluster
dev-cluster: deps ## Start a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) on 127.0.0.1; kubeconfig in .dev/kubeconfig. DEV_SERVICES=all adds Keycloak, PostgreSQL, Redis.
	bash hack/dev-cluster.sh up

.PHONY: dev-cluster-status
dev-cluster-status: ## Show the processes of the local cluster.
	bash hack/dev-cluster.sh status

.PHONY: testenv-build
testenv-build: ## Build the control-plane binaries into ~/.cache/op-testenv (cold: ~22 min on 2 cores; cached afterwards).
	bash hack/testenv/build.sh

.PHONY: dev-cluster-down
dev-cluster-down: ## Stop exactly the processes make dev-cluster started (by recorded PID).
	bash hack/dev-cluster.sh down

.PHONY: install
install: deps ## Install the CRDs into the cluster of $KUBECONFIG.
	bash hack/kubectl.sh apply --server-side -k manifests/crd

.PHONY: uninstall
uninstall: deps ## Remove the CRDs (and so every custom resource) from the cluster of $KUBECONFIG.
	bash hack/kubectl.sh delete --ignore-not-found -k manifests/crd

.PHONY: deploy
deploy: deps ## Install everything (manifests/default: CRDs, RBAC, operator, webhooks, inference gateway, NetworkPolicies) into the cluster of $KUBECONFIG.
	bash hack/kubectl.sh apply --server-side -k manifests/default

.PHONY: undeploy
undeploy: deps ## Remove what make deploy installed (CRDs and so every custom resource included).
	bash hack/kubectl.sh delete --ignore-not-found -k manifests/default

.PHONY: run
run: deps ## Run the operators locally against $KUBECONFIG (CONTROLLERS=aimodel,... picks a subset; default all).
	node cmd/manager/main.ts

.PHONY: run-webhooks
run-webhooks: deps ## Run the admission webhooks alone (no leader election) against $KUBECONFIG; WEBHOOK_REGISTER_LOCAL=true registers them at 127.0.0.1.
	node cmd/webhooks/main.ts

.PHONY: demo
demo: deps ## The platform locally: cluster with Keycloak, PostgreSQL and Redis, operator, both gateways rendered from the sample CRs, and one chat turn through them.
	bash hack/demo.sh

##@ Workloads

.PHONY: web
web: deps ## Build the web chat client (workloads/chat-web) into workloads/chat-web/dist, served by the chat gateway.
	npm run -s build:web

.PHONY: run-inference-gateway
run-inference-gateway: deps ## Start the inference gateway on 127.0.0.1 with the test upstream and a local Redis; prints its URL and an API key.
	bash hack/run-inference-gateway.sh

.PHONY: run-chat-gateway
run-chat-gateway: deps ## Start two chat-gateway replicas on 127.0.0.1 with PostgreSQL, Redis, Keycloak and the inference gateway.
	bash hack/run-chat-gateway.sh
