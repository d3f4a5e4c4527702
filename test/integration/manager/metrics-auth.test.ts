/**
 * The operator's /metrics with --metrics-secure against a real API server: no token → 401, a
 * ServiceAccount token without `get /metrics` → 403, one bound to the shipped metrics-reader
 * ClusterRole → 200 with the controller-runtime metrics, and a forged token → 401. The tokens are
 * real (kubectl create token), reviewed by the real TokenReview and SubjectAccessReview APIs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestNamespace, kubectl, kubectlOk, testEnv } from "../../helpers/testenv.ts";
import { startOperator } from "../../helpers/operator.ts";

const ROOT = join(import.meta.dirname, "../../..");

test("--metrics-secure serves /metrics only to tokens allowed get /metrics", async (t) => {
  const env = testEnv();
  const ns = await createTestNamespace("metrics-auth", t);
  // The reader ClusterRole as shipped.
  const reader = await readFile(
    join(ROOT, "manifests/rbac/common/metrics-reader-role.yaml"),
    "utf8",
  );
  await kubectlOk(["apply", "--server-side", "-f", "-"], reader);
  for (const sa of ["prometheus", "nobody"]) await kubectlOk(["-n", ns.name, "create", "sa", sa]);
  const binding = `metrics-auth-${ns.name}`;
  await kubectlOk([
    "create",
    "clusterrolebinding",
    binding,
    "--clusterrole=librechat-operators-metrics-reader",
    `--serviceaccount=${ns.name}:prometheus`,
  ]);
  t.after(() => kubectl(["delete", "clusterrolebinding", binding, "--ignore-not-found"]));
  const token = async (sa: string): Promise<string> =>
    (await kubectlOk(["-n", ns.name, "create", "token", sa, "--duration=10m"])).trim();
  const [allowed, denied] = await Promise.all([token("prometheus"), token("nobody")]);

  const op = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args: [
      "--namespace",
      ns.name,
      "--leader-elect=false",
      "--controllers=aimodel",
      "--metrics-secure",
    ],
  });
  t.after(() => op.stop());
  const get = (auth?: string) =>
    fetch(
      `${op.metricsUrl}/metrics`,
      auth === undefined ? {} : { headers: { authorization: auth } },
    );

  assert.equal((await get()).status, 401, "no token");
  assert.equal((await get(`Bearer ${denied}`)).status, 403, "token without get /metrics");
  const ok = await get(`Bearer ${allowed}`);
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /controller_runtime_reconcile_total/);
  // A cached decision is keyed by the whole token: a forged one is reviewed and refused.
  assert.equal((await get(`Bearer ${allowed.slice(0, -4)}AAAA`)).status, 401, "forged token");
  assert.equal((await get(`Basic ${Buffer.from("a:b").toString("base64")}`)).status, 401);
  // No token reaches the operator's logs.
  assert.ok(!op.output().includes(allowed.slice(-20)), "token not logged");
});
