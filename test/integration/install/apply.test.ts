/**
 * The whole bundle (manifests/default) installs on a real API server: server-side apply for real
 * (not a dry run), the Deployments' pods become Running on the kwok node, and the operator's pod
 * template runs as a local process (./local-pod.ts: the exact command, args and env the Deployment
 * renders, with the pod's ServiceAccount token as its only credential) and becomes ready (/readyz).
 * kwok runs no containers, so this "honest bridge" is what proves the rendered pod works: the
 * entrypoint, flags and env parse, and the RBAC of the ServiceAccount is enough to sync every cache
 * and serve webhooks. Afterwards everything except the CRDs (shared with the other tests) is
 * deleted again. The per-operator variants: ./variants.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { kubectl, kubectlOk } from "../../helpers/testenv.ts";
import { NAMESPACE, kustomize, toBundle } from "./render.ts";
import { runPodTemplate, waitFor } from "./local-pod.ts";
import type { Deployment } from "./local-pod.ts";

test("manifests/default applies for real, its pods run on kwok, and the operator pod template runs and becomes ready", async (t) => {
  const rendered = await kustomize("manifests/default");
  const bundle = toBundle(rendered);
  t.after(async () => {
    // The CRDs stay: the test environment installed them and other tests use them.
    const rest = [...bundle.values()].filter((o) => o.kind !== "CustomResourceDefinition");
    await kubectl(
      ["delete", "--ignore-not-found", "--wait=false", "-f", "-"],
      rest.map((o) => `---\n${stringify(o)}`).join(""),
    );
  });

  const applied = await kubectl(
    ["apply", "--server-side", "--field-manager=install-test", "-f", "-"],
    rendered,
  );
  assert.equal(applied.code, 0, applied.stderr);
  // Every object of the bundle now exists (get by the same manifests).
  const got = await kubectl(["get", "-o", "name", "-f", "-"], rendered);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout.trim().split("\n").length, bundle.size);

  // Every Deployment gets all its replicas Running on the kwok node.
  const deps = [...bundle.values()].filter((o): o is Deployment => o.kind === "Deployment");
  assert.deepEqual(deps.map((d) => d.metadata.name).sort(), [
    "inference-gateway",
    "librechat-operators",
  ]);
  for (const d of deps) {
    const selector = Object.entries(d.spec.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    await waitFor(`${d.metadata.name} pods Running`, 90_000, async () => {
      const out = await kubectlOk([
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "-l",
        selector,
        "-o",
        "jsonpath={range .items[*]}{.status.phase}{' '}{.spec.nodeName}{'\\n'}{end}",
      ]);
      const lines = out
        .trim()
        .split("\n")
        .filter((l) => l !== "");
      // Any kwok node: other tests add nodes (the crash test adds one), and the gateway's
      // replicas spread across nodes.
      const running = lines.filter((l) => /^Running \S+$/.test(l));
      return running.length === d.spec.replicas ? true : undefined;
    });
  }

  // The operator's pod template as a local process, with the ServiceAccount's own token.
  const manager = deps.find((d) => d.metadata.name === "librechat-operators")!;
  assert.equal(manager.spec.template.spec.serviceAccountName, "librechat-operators");
  const pod = await runPodTemplate(t, manager, "librechat-operators-local-0");
  // --metrics-secure (as shipped): no token → 401; a ServiceAccount bound to the shipped
  // librechat-operators-metrics-reader ClusterRole (as Prometheus is) → the metrics.
  const metricsUrl = `http://127.0.0.1:${pod.metricsPort}/metrics`;
  assert.equal((await fetch(metricsUrl)).status, 401);
  await kubectlOk(["-n", NAMESPACE, "create", "serviceaccount", "metrics-probe"]);
  await kubectlOk([
    "create",
    "clusterrolebinding",
    "install-test-metrics-probe",
    "--clusterrole=librechat-operators-metrics-reader",
    `--serviceaccount=${NAMESPACE}:metrics-probe`,
  ]);
  t.after(() =>
    kubectl(["delete", "clusterrolebinding", "install-test-metrics-probe", "--ignore-not-found"]),
  );
  const probeToken = (
    await kubectlOk(["create", "token", "metrics-probe", "-n", NAMESPACE, "--duration=10m"])
  ).trim();
  const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${probeToken}` } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /controller_runtime_reconcile_total|workqueue_depth/);
  // It acted as the in-cluster operator: the webhook certificate Secret exists in its namespace.
  await waitFor("webhook TLS Secret", 30_000, async () => {
    const r = await kubectl([
      "get",
      "secret",
      "-n",
      NAMESPACE,
      "librechat-operators-webhook-tls",
      "-o",
      "name",
    ]);
    return r.code === 0 ? true : undefined;
  });
  const code = await pod.stop();
  assert.equal(code, 0, pod.output().slice(-2000));
  assert.doesNotMatch(
    pod.output(),
    new RegExp(pod.token.slice(-20)),
    "the token never appears in the logs",
  );
});
