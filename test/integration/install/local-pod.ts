/**
 * Runs a rendered operator Deployment's pod template as a local process — the exact command, args
 * and env it renders, with a token of the pod's ServiceAccount as its only credential — and waits
 * for /readyz. kwok runs no containers, so this is what proves a shipped pod works, including that
 * the RBAC bound to its ServiceAccount is enough to sync every cache and serve webhooks. Only what a
 * pod network decides is substituted: bind addresses become 127.0.0.1 with free ports.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { stringify } from "yaml";
import { kubectlOk, testEnv } from "../../helpers/testenv.ts";
import { NAMESPACE, ROOT } from "./render.ts";
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
export type Deployment = KubeObject & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { spec: { serviceAccountName?: string; containers: Container[] } };
  };
};

export interface LocalPod {
  metricsPort: number;
  healthPort: number;
  /** The ServiceAccount token it runs with (to check it never reaches the logs). */
  token: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

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

/** Polls `fn` until it returns a value; throws with the last error after `timeoutMs`. */
export async function waitFor<T>(
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

/** A kubeconfig for the test API server that authenticates with `token` only. */
function tokenKubeconfig(dir: string, token: string): string {
  const env = testEnv();
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
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
  return path;
}

/** Starts the Deployment's first container as `podName` and waits until /readyz answers 200. */
export async function runPodTemplate(
  t: TestContext,
  d: Deployment,
  podName: string,
): Promise<LocalPod> {
  const c = d.spec.template.spec.containers[0]!;
  const serviceAccount = d.spec.template.spec.serviceAccountName ?? "default";
  const token = (
    await kubectlOk(["create", "token", serviceAccount, "-n", NAMESPACE, "--duration=10m"])
  ).trim();
  const dir = mkdtempSync(join(tmpdir(), "install-"));
  const [metricsPort, healthPort, webhookPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
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
  assert.equal(c.ports?.find((p) => p.name === "webhook")?.containerPort, 9443);
  podEnv["WEBHOOK_PORT"] = String(webhookPort);
  // In a pod this is the in-cluster config (token file + KUBERNETES_SERVICE_HOST); same identity here.
  podEnv["KUBECONFIG"] = tokenKubeconfig(dir, token);
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
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    return code;
  };
  t.after(stop);
  try {
    await waitFor(`/readyz of ${podName}`, 90_000, async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return r.status === 200 ? true : undefined;
    });
  } catch (err) {
    assert.fail(`${podName} not ready: ${String(err)}\n${output.slice(-4000)}`);
  }
  return { metricsPort, healthPort, token, output: () => output, stop };
}
