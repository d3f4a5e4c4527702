#!/usr/bin/env node
/**
 * Regenerates the shipping artifacts that are derived from other files in the repository:
 * the Argo CD argocd-cm health patch (from the tested health.lua files), the per-operator kustomize
 * variants and the Helm chart (from the kustomize sources), the PrometheusRule and the Grafana
 * dashboards (hack/generate/monitoring.ts).
 *
 *   node hack/generate/main.ts           write
 *   node hack/generate/main.ts --check   exit 1 if a committed file is stale or missing
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { argoCdFiles } from "./argocd.ts";
import { writeOrCheck } from "./files.ts";
import { chartFiles, kustomizeVariantFiles } from "./install.ts";
import { monitoringFiles } from "./monitoring.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const check = process.argv.includes("--check");
const files = new Map([
  ...argoCdFiles(root),
  ...kustomizeVariantFiles(root),
  ...chartFiles(root),
  ...monitoringFiles(root),
]);
const stale = writeOrCheck(root, files, check);
if (stale.length > 0) {
  console.error(`Generated files are stale (run make manifests):\n  ${stale.join("\n  ")}`);
  process.exit(1);
}
