/**
 * manifests/monitoring is valid for a real API server with the prometheus-operator's CRDs installed
 * (taken from its Go module by hack/tools/prometheus-operator-crds.sh): the PodMonitors, the
 * ServiceMonitor, the PrometheusRule and the dashboard ConfigMaps are applied for real (structural
 * schema validation by the API server), read back, and removed again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { createTestNamespace, kubectl } from "../../helpers/testenv.ts";
import { ROOT, kustomize, toBundle } from "../install/render.ts";
import type { KubeObject } from "../install/render.ts";

const exec = promisify(execFile);

test("the monitors, rules and dashboards apply to an API server with the prometheus-operator CRDs", async (t) => {
  const crdDir = (
    await exec("bash", [join(ROOT, "hack/tools/prometheus-operator-crds.sh")])
  ).stdout.trim();
  const crds = await kubectl(["apply", "--server-side", "-f", crdDir]);
  assert.equal(crds.code, 0, crds.stderr);
  const established = await kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/podmonitors.monitoring.coreos.com",
    "crd/servicemonitors.monitoring.coreos.com",
    "crd/prometheusrules.monitoring.coreos.com",
  ]);
  assert.equal(established.code, 0, established.stderr);

  // Into a namespace of its own (the install test may be deleting librechat-system).
  const ns = await createTestNamespace("monitoring", t);
  const bundle = toBundle(await kustomize("manifests/monitoring"));
  assert.deepEqual([...bundle.values()].map((o) => o.kind).sort(), [
    "ClusterRoleBinding",
    "ConfigMap",
    "ConfigMap",
    "ConfigMap",
    "PodMonitor",
    "PodMonitor",
    "PrometheusRule",
    "Secret",
    "ServiceAccount",
    "ServiceMonitor",
  ]);
  // Namespaced objects (and the binding's subject) into the test namespace; the binding's own name
  // too, so parallel runs do not share it.
  const intoNs = (o: KubeObject): KubeObject =>
    o.kind === "ClusterRoleBinding"
      ? {
          ...o,
          metadata: { ...o.metadata, name: `${o.metadata.name}-${ns.name}` },
          subjects: (o["subjects"] as { namespace?: string }[]).map((s) => ({
            ...s,
            namespace: ns.name,
          })),
        }
      : { ...o, metadata: { ...o.metadata, namespace: ns.name } };
  const bindingName = `librechat-metrics-reader-${ns.name}`;
  t.after(() => kubectl(["delete", "clusterrolebinding", bindingName, "--ignore-not-found"]));
  const rendered = [...bundle.values()].map((o) => `---\n${stringify(intoNs(o))}`).join("");
  const applied = await kubectl(
    ["apply", "--server-side", "--field-manager=monitoring-test", "-f", "-"],
    rendered,
  );
  assert.equal(applied.code, 0, applied.stderr);
  const got = await kubectl(["get", "-o", "name", "-f", "-"], rendered);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout.trim().split("\n").length, bundle.size);

  // The CRD schemas do validate: a PodMonitor with a wrong field type is refused.
  const bad = rendered.replace("interval: 30s", "interval: [30s]");
  assert.notEqual(bad, rendered);
  const refused = await kubectl(
    ["apply", "--server-side", "--dry-run=server", "--field-manager=monitoring-test", "-f", "-"],
    bad,
  );
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /interval/);
});
