// Runs the real webhook stack (startWebhooks: certificate Secret, caBundle sync, HTTPS server on
// 127.0.0.1) in the test process against the test control plane, and registers webhook
// configurations that call it at https://127.0.0.1:<port>. Every configuration carries an
// objectSelector on a per-run label, so only objects of this run are sent to this server: a
// leftover configuration (killed test) can never block other tests.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import type { KubeRequest } from "../../../operators/clients/http.ts";
import { KubeApiError, KubeHttp } from "../../../operators/clients/http.ts";
import { installCrds } from "../../helpers/crds.ts";
import { localWebhookConfigurations, startWebhooks } from "../../../webhooks/index.ts";
import type { RunningWebhooks } from "../../../webhooks/index.ts";
import type { PolicyConfig } from "../../../webhooks/types.ts";
import type { CertLifetimes } from "../../../webhooks/certs.ts";
import { TENANT_LABEL } from "../../../crds/tenant/v1alpha1/rules.ts";

/** Label every object of a run carries so the run's webhooks see it. */
export const RUN_LABEL = "webhooks.test.librechat.io/run";

/** Cluster-wide limits the webhook tests run with. */
export const TEST_POLICY: PolicyConfig = {
  aimodel: { imagePrefixes: ["docker.io/vllm/vllm-openai", "docker.io/ollama/ollama"] },
  chaos: { maxDurationSeconds: 1800, maxAffectedPercent: 50 },
};

/** Outcome of a create: the stored (or dry-run) object, or the API server's rejection. */
export type CreateResult =
  | { ok: true; object: Record<string, unknown>; ms: number; warnings: string[] }
  | {
      ok: false;
      code: number;
      message: string;
      causes: { field?: string; message?: string }[];
      ms: number;
    };

export interface Harness {
  kc: KubeConfig;
  http: KubeHttp;
  runId: string;
  webhooks: RunningWebhooks;
  configNames: { validating: string; mutating: string };
  /** Namespace holding the certificate Secret (also the cluster kill-switch namespace). */
  systemNamespace: string;
  /** Creates a namespace of this run, optionally owned by a Tenant (label librechat.io/tenant). */
  namespace(suffix: string, tenant?: string, annotations?: Record<string, string>): Promise<string>;
  /** Adds the run label to an object (copy). */
  label<T extends Record<string, unknown>>(obj: T): T;
  /** POSTs an object (run label added), optionally as a dry run. Never throws on API rejections. */
  create(obj: Record<string, unknown>, opts?: { dryRun?: boolean }): Promise<CreateResult>;
  /** Deletes everything the run created. */
  close(): Promise<void>;
}

const PLURALS: Record<string, { plural: string; namespaced: boolean }> = {
  AIModel: { plural: "aimodels", namespaced: true },
  Assistant: { plural: "assistants", namespaced: true },
  ChatRegion: { plural: "chatregions", namespaced: true },
  ChaosPolicy: { plural: "chaospolicies", namespaced: true },
  Tenant: { plural: "tenants", namespaced: false },
  Deployment: { plural: "deployments", namespaced: true },
};

/** REST collection path of an object as written. */
export function collectionPath(obj: Record<string, unknown>): string {
  const apiVersion = typeof obj["apiVersion"] === "string" ? obj["apiVersion"] : "";
  const kind = typeof obj["kind"] === "string" ? obj["kind"] : "";
  const meta = (obj["metadata"] ?? {}) as { namespace?: string };
  const info = PLURALS[kind];
  if (info === undefined) throw new Error(`unknown kind ${kind}`);
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return info.namespaced
    ? `${base}/namespaces/${meta.namespace ?? "default"}/${info.plural}`
    : `${base}/${info.plural}`;
}

/** Loads the test cluster's kubeconfig ($KUBECONFIG from hack/test.sh or hack/testenv/up.sh). */
export function testKubeConfig(): KubeConfig {
  if (process.env["KUBECONFIG"] === undefined)
    throw new Error("KUBECONFIG is not set: run via `bash hack/test.sh integration`");
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Sends one write; rejections become `{ ok: false }` with the API server's message and causes. */
export async function timedWrite(http: KubeHttp, req: KubeRequest): Promise<CreateResult> {
  const started = performance.now();
  try {
    const res = await http.request<Record<string, unknown>>(req);
    return {
      ok: true,
      object: res.body,
      ms: performance.now() - started,
      warnings: res.warnings ?? [],
    };
  } catch (err: unknown) {
    if (!(err instanceof KubeApiError)) throw err;
    return {
      ok: false,
      code: err.code,
      message: err.status?.message ?? err.message,
      causes: err.status?.details?.causes ?? [],
      ms: performance.now() - started,
    };
  }
}

/** POSTs `obj` (optionally as a dry run); see timedWrite. */
export function createObject(
  http: KubeHttp,
  obj: Record<string, unknown>,
  dryRun = false,
): Promise<CreateResult> {
  return timedWrite(http, {
    method: "POST",
    path: collectionPath(obj),
    body: obj,
    query: dryRun ? { dryRun: "All" } : {},
  });
}

async function ignore404(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err: unknown) {
    if (!(err instanceof KubeApiError && err.code === 404)) throw err;
  }
}

/** Starts the webhooks for one test file; call `close()` in `after`. */
export async function startHarness(
  opts: { policy?: PolicyConfig; deadlineMs?: number; lifetimes?: CertLifetimes } = {},
): Promise<Harness> {
  const kc = testKubeConfig();
  const http = new KubeHttp(kc);
  await installCrds(kc);
  const runId = randomBytes(4).toString("hex");
  const namespaces: string[] = [];
  const makeNamespace = async (
    suffix: string,
    tenant?: string,
    annotations?: Record<string, string>,
  ): Promise<string> => {
    const name = `wh-${runId}-${suffix}`;
    const labels: Record<string, string> = { [RUN_LABEL]: runId };
    if (tenant !== undefined) labels[TENANT_LABEL] = tenant;
    await http.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels, annotations: annotations ?? {} },
      },
    });
    namespaces.push(name);
    return name;
  };
  const systemNamespace = await makeNamespace("system");
  const configNames = {
    validating: `librechat-test-${runId}-validating`,
    mutating: `librechat-test-${runId}-mutating`,
  };
  const policy: PolicyConfig = {
    ...(opts.policy ?? TEST_POLICY),
    chaos: { ...(opts.policy ?? TEST_POLICY).chaos, killSwitchNamespace: systemNamespace },
  };
  const webhooks = await startWebhooks({
    kube: http,
    log: pino({ level: process.env["LOG_LEVEL"] ?? "silent" }),
    namespace: systemNamespace,
    port: 0,
    configNames,
    certMode: "self",
    policy,
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    ...(opts.lifetimes !== undefined ? { lifetimes: opts.lifetimes } : {}),
    resyncMs: 2000,
  });
  const label = <T extends Record<string, unknown>>(obj: T): T => {
    const copy = structuredClone(obj);
    const meta = (copy["metadata"] ?? {}) as { labels?: Record<string, string> };
    meta.labels = { ...meta.labels, [RUN_LABEL]: runId };
    (copy as Record<string, unknown>)["metadata"] = meta;
    return copy;
  };
  const tenants: string[] = [];
  const harness: Harness = {
    kc,
    http,
    runId,
    webhooks,
    configNames,
    systemNamespace,
    namespace: makeNamespace,
    label,
    async create(obj, o = {}) {
      const labelled = label(obj);
      const res = await createObject(http, labelled, o.dryRun === true);
      if (res.ok && o.dryRun !== true && labelled["kind"] === "Tenant")
        tenants.push((labelled["metadata"] as { name: string }).name);
      return res;
    },
    async close() {
      await Promise.all([
        ignore404(
          http.request({
            method: "DELETE",
            path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${configNames.validating}`,
          }),
        ),
        ignore404(
          http.request({
            method: "DELETE",
            path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${configNames.mutating}`,
          }),
        ),
      ]);
      await webhooks.stop();
      await Promise.all([
        ...tenants.map((t) =>
          ignore404(
            http.request({ method: "DELETE", path: `/apis/librechat.io/v1alpha1/tenants/${t}` }),
          ),
        ),
        ...namespaces.map((n) =>
          ignore404(http.request({ method: "DELETE", path: `/api/v1/namespaces/${n}` })),
        ),
      ]);
    },
  };
  // Configurations first without caBundle: the rotator's next pass must patch it in (ca-bundle.ts).
  const { validating, mutating } = localWebhookConfigurations(webhooks.server.port, "", {
    names: configNames,
    objectSelector: { matchLabels: { [RUN_LABEL]: runId } },
  });
  for (const cfg of [validating, mutating]) {
    const hooks = cfg["webhooks"] as { clientConfig: Record<string, unknown> }[];
    for (const h of hooks) delete h.clientConfig["caBundle"];
  }
  await http.request({
    method: "POST",
    path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    body: validating,
  });
  await http.request({
    method: "POST",
    path: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    body: mutating,
  });
  await webhooks.certs.reconcileOnce();
  await waitUntilServing(harness);
  return harness;
}

/** Waits until the API server calls our webhooks (configuration informers lag a little). */
async function waitUntilServing(h: Harness): Promise<void> {
  const ns = await h.namespace("probe");
  const probe = {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: "probe", namespace: ns },
    spec: { versions: [{ name: "v1", modelRef: "no-such-model", instructions: "x" }] },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await h.create(probe, { dryRun: true });
    // The mutating webhook defaulted variants (the schema requires them) and the validating one
    // looked the model up and warned that it does not exist yet.
    if (res.ok && res.warnings.some((w) => w.includes("no-such-model"))) return;
    if (Date.now() > deadline)
      throw new Error(`webhooks not called within 30 s; last answer: ${JSON.stringify(res)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One row of a rule table sent through the real API server. */
export interface RuleCase {
  name: string;
  object: Record<string, unknown>;
  /** Absent: must be admitted. Present: must be denied naming this field in message and causes. */
  deny?: { field: string; message: string };
  /** Admitted with an admission warning that contains this text (an unresolved reference). */
  warn?: string;
  /** Extra check of the admitted (dry-run) object. */
  check?: (stored: Record<string, unknown>) => void;
}

/** Sends one case as a dry-run create and asserts the outcome. */
export async function runCase(h: Harness, c: RuleCase): Promise<void> {
  const res = await h.create(c.object, { dryRun: true });
  assert.ok(res.ms < 10_000, `answer took ${Math.round(res.ms)} ms`);
  if (c.deny === undefined) {
    assert.ok(res.ok, `expected admission, got ${res.ok ? "" : `${res.code}: ${res.message}`}`);
    if (c.warn !== undefined) {
      const want = c.warn;
      assert.ok(
        res.warnings.some((w) => w.includes(want)),
        `expected a warning containing "${want}", got ${JSON.stringify(res.warnings)}`,
      );
    }
    c.check?.(res.object);
    return;
  }
  assert.ok(!res.ok, `expected denial naming ${c.deny.field}, but it was admitted`);
  assert.ok(
    res.message.includes(`${c.deny.field}: `) || res.message.includes(c.deny.field),
    `message does not name ${c.deny.field}: ${res.message}`,
  );
  assert.ok(
    res.message.includes(c.deny.message),
    `message lacks "${c.deny.message}": ${res.message}`,
  );
  assert.ok(
    res.causes.some((x) => x.field === c.deny?.field),
    `no cause with field ${c.deny.field}: ${JSON.stringify(res.causes)}`,
  );
}
