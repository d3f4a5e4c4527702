// Access to the local test environment started by hack/testenv/up.sh (see hack/test.sh).
// Every accessor reads the environment lazily and throws when a variable is missing: integration
// tests must FAIL, never skip, when the environment is not set up.
//
// Env contract (written to $W/env by up.sh; hack/test.sh sources it):
//   TESTENV_DIR, TESTENV_BIN, KUBECONFIG, TESTENV_APISERVER_URL, TESTENV_APISERVER_CMD,
//   TESTENV_PKI_DIR, and with services: REDIS_URL, DATABASE_URL, KEYCLOAK_URL,
//   KEYCLOAK_MANAGEMENT_URL, KEYCLOAK_ADMIN, KEYCLOAK_ADMIN_PASSWORD.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { CoreV1Api, KubeConfig, V1Namespace, V1ObjectMeta } from "@kubernetes/client-node";

const REPO = resolve(import.meta.dirname, "..", "..");

export class TestEnvError extends Error {
  override name = "TestEnvError";
}

/** The value of an environment variable, or a TestEnvError saying how to set the environment up. */
export function requireEnv(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") {
    throw new TestEnvError(
      `${name} is not set: run the integration tests through \`make test-integration\` (hack/test.sh), ` +
        "or start an environment with `bash hack/testenv/up.sh --with all` and `. $W/env` first",
    );
  }
  return v;
}

export interface TestEnv {
  /** $TESTENV_DIR: the work dir of this environment (logs in logs/, pids, ports, pki/). */
  dir: string;
  /** $TESTENV_BIN: directory with kubectl, kube-apiserver, etcd, kwok, ... */
  binDir: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  apiServerUrl: string;
  /** Directory with ca.crt/ca.key (cluster CA), apiserver/admin certs, front-proxy CA. */
  pkiDir: string;
  /** Name of the fake node that kwok manages (pods scheduled there become Running/Ready). */
  nodeName: string;
  // Services: getters, so a test that needs none of them works without them, and one that reads a
  // missing one fails with a clear TestEnvError.
  /** $REDIS_URL, redis://127.0.0.1:PORT */
  readonly redisUrl: string;
  /** $DATABASE_URL, postgres://postgres@127.0.0.1:PORT/postgres (trust auth, pgvector available) */
  readonly databaseUrl: string;
  /** $KEYCLOAK_URL, http://127.0.0.1:PORT */
  readonly keycloakUrl: string;
  readonly keycloakAdmin: string;
  readonly keycloakAdminPassword: string;
}

let cached: TestEnv | undefined;

/** The control-plane part of the environment (throws if it is not set up). */
export function testEnv(): TestEnv {
  if (cached !== undefined) return cached;
  const kubeconfigPath = requireEnv("KUBECONFIG");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  cached = {
    dir: requireEnv("TESTENV_DIR"),
    binDir: requireEnv("TESTENV_BIN"),
    kubeconfigPath,
    kubeConfig,
    apiServerUrl: requireEnv("TESTENV_APISERVER_URL"),
    pkiDir: requireEnv("TESTENV_PKI_DIR"),
    nodeName: "kwok-node-0",
    get redisUrl() {
      return requireEnv("REDIS_URL");
    },
    get databaseUrl() {
      return requireEnv("DATABASE_URL");
    },
    get keycloakUrl() {
      return requireEnv("KEYCLOAK_URL");
    },
    get keycloakAdmin() {
      return requireEnv("KEYCLOAK_ADMIN");
    },
    get keycloakAdminPassword() {
      return requireEnv("KEYCLOAK_ADMIN_PASSWORD");
    },
  };
  return cached;
}

/** A fresh KubeConfig for the test cluster (callers may mutate it). */
export function newKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testEnv().kubeconfigPath);
  return kc;
}

export function redisUrl(): string {
  return requireEnv("REDIS_URL");
}

export function databaseUrl(): string {
  return requireEnv("DATABASE_URL");
}

export interface KeycloakEnv {
  url: string;
  managementUrl: string;
  adminUser: string;
  adminPassword: string;
}

export function keycloakEnv(): KeycloakEnv {
  return {
    url: requireEnv("KEYCLOAK_URL"),
    managementUrl: requireEnv("KEYCLOAK_MANAGEMENT_URL"),
    adminUser: requireEnv("KEYCLOAK_ADMIN"),
    adminPassword: requireEnv("KEYCLOAK_ADMIN_PASSWORD"),
  };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never throws on a non-zero exit (the caller checks `code`). */
export function run(
  cmd: string,
  args: readonly string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolvePromise({
        code: code ?? (signal === null ? 1 : 128),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.end(input ?? "");
  });
}

/** Runs the cached kubectl against the test cluster: kubectl(["get", "pods", "-A"]). */
export function kubectl(args: readonly string[], input?: string): Promise<ExecResult> {
  const env = testEnv();
  return run(join(env.binDir, "kubectl"), ["--kubeconfig", env.kubeconfigPath, ...args], input);
}

/** Like kubectl() but throws (with stderr) on a non-zero exit; returns stdout. */
export async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0)
    throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export interface TestNamespace {
  name: string;
  /** Deletes the namespace (idempotent); with wait=true until it is gone (GC + namespace controller). */
  cleanup: (opts?: { wait?: boolean }) => Promise<void>;
}

/**
 * Creates a namespace with a unique name `<prefix>-<random>` (DNS-1123, at most 63 chars).
 * With a node:test TestContext the namespace is deleted after the test; otherwise call cleanup().
 */
export async function createTestNamespace(prefix: string, t?: TestContext): Promise<TestNamespace> {
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 50) || "test";
  const name = `${base}-${randomBytes(4).toString("hex")}`;
  const api = testEnv().kubeConfig.makeApiClient(CoreV1Api);
  // Built through the model constructors: client-node serializes by its model classes.
  const meta = new V1ObjectMeta();
  meta.name = name;
  meta.labels = { "op-testenv/test-namespace": "true" };
  const body = new V1Namespace();
  body.metadata = meta;
  await api.createNamespace({ body });
  let deleted = false;
  const cleanup = async (opts?: { wait?: boolean }): Promise<void> => {
    if (!deleted) {
      deleted = true;
      try {
        await api.deleteNamespace({ name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (opts?.wait === true) {
      await waitFor(`namespace ${name} to be deleted`, 60_000, async () => {
        try {
          await api.readNamespace({ name });
          return false;
        } catch (e) {
          if (isNotFound(e)) return true;
          throw e;
        }
      });
    }
  };
  if (t !== undefined) t.after(() => cleanup());
  return { name, cleanup };
}

/** True for a 404 from @kubernetes/client-node (ApiException with code 404). */
export function isNotFound(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && e.code === 404;
}

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: last error: ${last.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Stops the running kube-apiserver (by its recorded PID, process group) and starts it again with the
 * same flags ($TESTENV_APISERVER_CMD), then waits for /readyz. `downtimeMs` keeps it stopped that long
 * first (to test reconnects). Clients keep their KubeConfig: address and certificates do not change.
 */
export function restartApiServer(opts?: { downtimeMs?: number }): Promise<void> {
  const env = testEnv();
  const script = join(REPO, "hack", "testenv", "restart-apiserver.sh");
  const downtime = (Math.max(0, opts?.downtimeMs ?? 0) / 1000).toFixed(3);
  return new Promise((resolvePromise, reject) => {
    execFile(
      "bash",
      [script, env.dir],
      { env: { ...process.env, DOWNTIME_SECONDS: downtime }, timeout: 180_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`restart-apiserver.sh failed: ${err.message}\n${stderr}`));
        else resolvePromise();
      },
    );
  });
}
