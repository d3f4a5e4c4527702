/**
 * The whole bundle (manifests/default) installs on a real API server: server-side apply for real
 * (not a dry run), the Deployments' pods become Running on the kwok node, and the operator's pod
 * template runs as a local process — the exact command, args and env the Deployment renders, with
 * the pod's ServiceAccount token as its only credential — and becomes ready (/readyz). kwok runs no
 * containers, so this "honest bridge" is what proves the rendered pod works: the entrypoint, flags
 * and env parse, and the RBAC of the ServiceAccount is enough to sync every cache and serve webhooks.
 * Only what a pod network decides is substituted: bind addresses become 127.0.0.1 with free ports.
 * Afterwards everything except the CRDs (shared with the other tests) is deleted again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { kubectl, kubectlOk, testEnv } from "../../helpers/testenv.ts";
import { NAMESPACE, ROOT, kustomize, toBundle } from "./render.ts";
import type { KubeObject } from "./render.ts";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  command: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
}
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { spec: { containers: Container[] } };
  };
};

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await sleep(500);
  }
}

test("manifests/default applies for real, its pods run on kwok, and the operator pod template runs and becomes ready", async (t) => {
  const env = testEnv();
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
  const c = manager.spec.template.spec.containers[0]!;
  const token = (
    await kubectlOk(["create", "token", "librechat-operators", "-n", NAMESPACE, "--duration=10m"])
  ).trim();
  const dir = mkdtempSync(join(tmpdir(), "install-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "c",
          cluster: {
            server: env.apiServerUrl,
            "certificate-authority-data": Buffer.from(
              readFileSync(join(env.pkiDir, "ca.crt")),
            ).toString("base64"),
          },
        },
      ],
      users: [{ name: "sa", user: { token } }],
      contexts: [{ name: "sa", context: { cluster: "c", user: "sa", namespace: NAMESPACE } }],
      "current-context": "sa",
    }),
  );
  const [metricsPort, healthPort, webhookPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const podName = "librechat-operators-local-0";
  const args = (c.args ?? []).map((a) =>
    a
      .replace(/^--metrics-bind-address=.*$/, `--metrics-bind-address=127.0.0.1:${metricsPort}`)
      .replace(
        /^--health-probe-bind-address=.*$/,
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      ),
  );
  assert.notDeepEqual(args, c.args, "the bind-address flags are in the pod template");
  const fieldRefs: Record<string, string> = {
    "metadata.name": podName,
    "metadata.namespace": NAMESPACE,
  };
  const podEnv: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const v = e.value ?? fieldRefs[e.valueFrom?.fieldRef?.fieldPath ?? ""];
    assert.ok(v !== undefined, `env ${e.name} resolvable`);
    podEnv[e.name] = v;
  }
  podEnv["WEBHOOK_BIND_ADDRESS"] = "127.0.0.1";
  const webhookContainerPort = c.ports?.find((p) => p.name === "webhook")?.containerPort;
  assert.equal(webhookContainerPort, 9443);
  podEnv["WEBHOOK_PORT"] = String(webhookPort);
  // In a pod this is the in-cluster config (token file + KUBERNETES_SERVICE_HOST); same identity here.
  podEnv["KUBECONFIG"] = kubeconfig;
  const [cmd, ...cmdArgs] = c.command;
  assert.equal(cmd, "node");
  const child = spawn(process.execPath, [...cmdArgs, ...args], {
    cwd: ROOT, // the image's WORKDIR holds the same tree (images/)
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...podEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr.on("data", (b: Buffer) => (output += b.toString()));
  const exited = once(child, "exit");
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  });
  try {
    await waitFor("/readyz of the local operator", 90_000, async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return r.status === 200 ? true : undefined;
    });
  } catch (err) {
    assert.fail(`operator not ready: ${String(err)}\n${output.slice(-4000)}`);
  }
  // --metrics-secure (as shipped): no token → 401; a ServiceAccount bound to the shipped
  // librechat-operators-metrics-reader ClusterRole (as Prometheus is) → the metrics.
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
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
  child.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, output.slice(-2000));
  assert.doesNotMatch(output, new RegExp(token.slice(-20)), "the token never appears in the logs");
});
