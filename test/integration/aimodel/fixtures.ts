// AIModel objects and lookups shared by the AIModel integration tests.
import { after, before } from "node:test";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { createTestNamespace, testEnv } from "../../helpers/testenv.ts";
import type { TestEnv } from "../../helpers/testenv.ts";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND as AIMODEL } from "../../../crds/aimodel/v1alpha1/index.ts";
import {
  DEPLOYMENT,
  POD_DISRUPTION_BUDGET as PDB,
  SECRET,
  SERVICE,
} from "../../../operators/runtime/core-kinds.ts";

export { AIMODEL, DEPLOYMENT, PDB, SECRET, SERVICE };

/** A self-hosted vLLM AIModel manifest. */
export function selfHosted(
  namespace: string,
  name: string,
  replicas = 1,
  gpus = 0,
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace },
    spec: {
      provider: "vllm",
      modelName: `${name}-model`,
      engine: { image: "vllm/vllm-openai:v0.10.1", ...(gpus > 0 ? { gpu: { count: gpus } } : {}) },
      replicas,
      minReplicas: 1,
      maxReplicas: Math.max(replicas, 1),
    },
  };
}

/** An external OpenAI AIModel manifest referencing Secret `secret` key apiKey. */
export function external(namespace: string, name: string, secret: string): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace },
    spec: {
      provider: "openai",
      modelName: "gpt-4o",
      external: { credentialsSecretRef: { name: secret, key: "apiKey" } },
    },
  };
}

export async function apply(client: KubeClient, obj: Record<string, unknown>): Promise<void> {
  await client.apply(obj, { fieldManager: "integration-test", force: true });
}

export async function getModel(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<AIModel | undefined> {
  return client.get<AIModel>(AIMODEL, ns, name);
}

/** The Ready condition of an AIModel, if any. */
export function readyOf(
  m: AIModel | undefined,
): { status: string; reason: string; message: string } | undefined {
  return m?.status?.conditions?.find((c) => c.type === "Ready");
}

/** Per-file state filled in by the `before` hook. */
export interface FileContext {
  ns: string;
  op: OperatorProcess | undefined;
}

/**
 * Registers hooks that install the CRDs and create a namespace for this test file (deleted after
 * it). With `operatorArgs`, also starts an operator watching only that namespace.
 */
export function perFile(
  prefix: string,
  operatorArgs?: string[],
): { env: TestEnv; client: KubeClient; ctx: FileContext } {
  const env = testEnv();
  const client = new KubeClient(env.kubeConfig);
  const ctx: FileContext = { ns: "", op: undefined };
  let cleanup: (() => Promise<void>) | undefined;
  before(async () => {
    await installCrds(env.kubeConfig);
    const ns = await createTestNamespace(prefix);
    ctx.ns = ns.name;
    cleanup = ns.cleanup;
    if (operatorArgs !== undefined) {
      ctx.op = await startOperator({
        kubeconfig: env.kubeconfigPath,
        args: ["--namespace", ctx.ns, ...operatorArgs],
      });
    }
  });
  after(async () => {
    await ctx.op?.stop();
    await cleanup?.();
  });
  return { env, client, ctx };
}
