// Shared setup of the ChaosPolicy integration tests: CRDs, a tenant namespace (labelled with its
// Tenant), an "operator namespace" that carries the cluster kill switch, and the real operator
// entrypoint running the aimodel and chaospolicy controllers for that namespace.
import { after, before } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { ChaosPolicy } from "../../../crds/chaospolicy/v1alpha1/index.ts";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { CHAOSPOLICY, NAMESPACE, POD, TENANT } from "../../../controllers/chaospolicy/gvks.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { createTestNamespace, testEnv, waitFor } from "../../helpers/testenv.ts";
import type { TestEnv } from "../../helpers/testenv.ts";

export { CHAOSPOLICY, NAMESPACE, POD, TENANT };

export interface ChaosContext {
  ns: string;
  opNs: string;
  tenant: string;
  op: OperatorProcess | undefined;
  start(extraEnv?: Record<string, string>): Promise<OperatorProcess>;
}

/** Registers before/after hooks: namespaces, Tenant, operator. */
export function perFile(
  prefix: string,
  opts: { env?: Record<string, string> } = {},
): { env: TestEnv; client: KubeClient; ctx: ChaosContext } {
  const env = testEnv();
  const client = new KubeClient(env.kubeConfig);
  const cleanups: (() => Promise<void>)[] = [];
  const ctx: ChaosContext = {
    ns: "",
    opNs: "",
    tenant: "",
    op: undefined,
    async start(extraEnv = {}) {
      ctx.op = await startOperator({
        kubeconfig: env.kubeconfigPath,
        args: ["--namespace", ctx.ns, "--leader-elect=false", "--controllers=aimodel,chaospolicy"],
        env: { POD_NAMESPACE: ctx.opNs, ...opts.env, ...extraEnv },
      });
      return ctx.op;
    },
  };
  before(async () => {
    await installCrds(env.kubeConfig);
    const ns = await createTestNamespace(prefix);
    const opNs = await createTestNamespace(`${prefix}-op`);
    cleanups.push(ns.cleanup, opNs.cleanup);
    ctx.ns = ns.name;
    ctx.opNs = opNs.name;
    ctx.tenant = `t-${ns.name}`.slice(0, 63);
    await client.apply(
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "Tenant",
        metadata: { name: ctx.tenant },
        spec: { displayName: "Chaos test", owners: [{ kind: "User", name: "alice@acme.test" }] },
      },
      { fieldManager: "integration-test" },
    );
    cleanups.push(async () => {
      await client.delete(TENANT, undefined, ctx.tenant);
    });
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ctx.ns, labels: { "librechat.io/tenant": ctx.tenant } },
      },
      { fieldManager: "integration-test" },
    );
    await ctx.start();
  });
  after(async () => {
    await ctx.op?.stop();
    for (const c of cleanups) await c();
  });
  return { env, client, ctx };
}

/** A ChaosPolicy manifest. */
export function policy(
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChaosPolicy",
    metadata: { name, namespace: ns },
    spec: { dryRun: false, suspend: false, ...spec },
  };
}

/** A self-hosted AIModel with `replicas` engine pods (kwok runs them). */
export function selfHostedModel(
  ns: string,
  name: string,
  replicas: number,
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "vllm",
      modelName: `${name}-model`,
      engine: { image: "vllm/vllm-openai:v0.10.1" },
      replicas,
      minReplicas: 1,
      maxReplicas: replicas,
    },
  };
}

/** An external AIModel (no pods): LLM faults target the gateway backend "<ns>/<name>". */
export function externalModel(
  ns: string,
  name: string,
  baseURL = "http://127.0.0.1:9/v1",
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "openai",
      modelName: "gpt-4o-mini",
      external: { baseURL, credentialsSecretRef: { name: "none", key: "apiKey" } },
    },
  };
}

export async function getPolicy(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<ChaosPolicy | undefined> {
  return client.get<ChaosPolicy>(CHAOSPOLICY, ns, name);
}

/** Waits until the policy's run is Finished and returns the policy. */
export async function waitFinished(
  client: KubeClient,
  ns: string,
  name: string,
  timeoutMs = 60_000,
): Promise<ChaosPolicy> {
  let p: ChaosPolicy | undefined;
  await waitFor(
    `ChaosPolicy ${ns}/${name} run finished`,
    timeoutMs,
    async () => {
      p = await getPolicy(client, ns, name);
      return p?.status?.run?.state === "Finished";
    },
    100,
  );
  if (p === undefined) throw new Error("unreachable");
  return p;
}

/** Live pods of a selector: name → uid. */
export async function podUids(
  client: KubeClient,
  ns: string,
  labelSelector: string,
): Promise<Map<string, string>> {
  const pods = await client.list<V1Pod>(POD, ns, { labelSelector });
  return new Map(
    pods
      .filter((p) => p.metadata?.deletionTimestamp === undefined)
      .map((p) => [p.metadata?.name ?? "", p.metadata?.uid ?? ""]),
  );
}

/** Events recorded for an object (by name), newest last. */
export async function eventsFor(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<{ reason: string; message: string; type: string }[]> {
  const evs = await client.list<{
    involvedObject?: { name?: string; kind?: string };
    reason?: string;
    message?: string;
    type?: string;
  }>({ apiVersion: "v1", kind: "Event", plural: "events", namespaced: true }, ns);
  return evs
    .filter((e) => e.involvedObject?.kind === "ChaosPolicy" && e.involvedObject.name === name)
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", type: e.type ?? "" }));
}
