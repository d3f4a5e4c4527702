// Test harness of the loop tests that need a running gateway: the manager program as a process,
// the honest pod bridge (test/helpers/pod-bridge.ts), and the shipped inference gateway
// ServiceAccount, Service and Deployment (manifests/inference-gateway) applied to the test
// namespace, so that kube-controller-manager creates the pod, the scheduler binds it to the
// bridge's node and the bridge runs the Deployment's command and env as a local process with the
// routing ConfigMap projected as the kubelet does. The two changes to the shipped pod spec are
// made here and listed in README.md.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import assert from "node:assert/strict";
import type { V1Deployment, V1Secret } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { SECRET } from "../../../operators/runtime/core-kinds.ts";
import {
  CREDENTIALS_SECRET,
  TENANT_KEY_KEY,
  TENANT_KEY_SECRET,
} from "../../../controllers/gateway-config/desired/secrets.ts";
import { installCrds } from "../../helpers/crds.ts";
import { secretSource, syncVolume } from "../../helpers/kubelet-volume.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { PodBridge } from "../../helpers/pod-bridge.ts";
import { createTestNamespace, testEnv, waitFor } from "../../helpers/testenv.ts";

const REPO = resolve(import.meta.dirname, "..", "..", "..");

type Obj = Record<string, unknown> & { kind: string; metadata: Record<string, unknown> };

/** The shipped gateway ServiceAccount, Service and Deployment, in `ns`, placed on the bridge. */
export function shippedGateway(bridge: PodBridge, ns: string): Obj[] {
  const read = (f: string): Obj[] =>
    parseAllDocuments(readFileSync(join(REPO, "manifests/inference-gateway", f), "utf8")).map(
      (d) => d.toJS() as Obj,
    );
  const sa = read("service-account.yaml")[0];
  const svc = read("service.yaml")[0];
  const dep = read("deployment.yaml")[0] as Obj & V1Deployment;
  assert.ok(sa !== undefined && svc !== undefined && dep.spec?.template.spec !== undefined);
  for (const o of [sa, svc, dep]) Object.assign(o.metadata, { namespace: ns });
  dep.spec.replicas = 1;
  const pod = dep.spec.template.spec;
  Object.assign(pod, bridge.placement());
  const c = pod.containers[0];
  assert.ok(c !== undefined);
  // The two changes the bridge needs (README): bind the pod's own loopback IP instead of every
  // interface, and read the provider keys from the directory the test syncs from the Secret
  // (the manager is told the same directory), since the bridge projects ConfigMaps only.
  c.env = (c.env ?? []).map((e) =>
    e.name === "GATEWAY_HOST"
      ? { name: e.name, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }
      : e,
  );
  c.volumeMounts = (c.volumeMounts ?? []).filter((m) => m.name !== "credentials");
  pod.volumes = (pod.volumes ?? []).filter((v) => v.name !== "credentials");
  return [sa, svc, dep];
}

/** The Secret every external AIModel of these tests references (labelled for model use). */
export const PROVIDER_SECRET = "provider-creds";

/** A provider key Secret `provider-creds` in `ns` holding `key`, labelled for model use. */
export function providerSecret(ns: string, key: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: PROVIDER_SECRET,
      namespace: ns,
      labels: { "librechat.io/model-secret": "true" },
    },
    stringData: { apiKey: key },
  };
}

/** An external AIModel `name` in `ns` served as `modelName` by the upstream at `upstreamURL`. */
export function externalModel(
  ns: string,
  name: string,
  modelName: string,
  upstreamURL: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "openai",
      modelName,
      external: {
        baseURL: `${upstreamURL}/v1`,
        providerModel: "test-model",
        credentialsSecretRef: { name: PROVIDER_SECRET, key: "apiKey" },
      },
      ...extra,
    },
  };
}

/** A Tenant `name` owning namespace `ns` (kept on deletion), with `models` (allowed, limits, budget). */
export function tenantOwning(
  name: string,
  ns: string,
  models: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "loop@test.example" }],
      namespaces: { maxCount: 1, prefix: "Disabled", items: [{ name: ns }] },
      models: { rateLimits: { requestsPerMinute: 60_000 }, ...models },
      deletionPolicy: "Retain",
    },
  };
}

/** The manager, the bridge and (after startGateway) the bridged gateway of one test file. */
export class BridgedLoop {
  readonly client: KubeClient;
  readonly ns: string;
  readonly bridge: PodBridge;
  readonly op: OperatorProcess;
  readonly #credDir: string;
  readonly #cleanup: () => Promise<void>;
  readonly #stops: (() => Promise<void>)[] = [];

  private constructor(p: {
    client: KubeClient;
    ns: string;
    bridge: PodBridge;
    op: OperatorProcess;
    credDir: string;
    cleanup: () => Promise<void>;
  }) {
    this.client = p.client;
    this.ns = p.ns;
    this.bridge = p.bridge;
    this.op = p.op;
    this.#credDir = p.credDir;
    this.#cleanup = p.cleanup;
  }

  /** A test namespace (also the operator's), the bridge and the manager with `managerArgs` and `managerEnv`. */
  static async start(
    name: string,
    managerArgs: string[],
    managerEnv: Record<string, string> = {},
  ): Promise<BridgedLoop> {
    const env = testEnv();
    const client = new KubeClient(env.kubeConfig);
    await installCrds(env.kubeConfig);
    const ns = await createTestNamespace(name);
    const credDir = await mkdtemp(join(tmpdir(), `${name}-cred-`));
    const bridge = new PodBridge({
      client,
      nodeName: `bridge-${ns.name}`,
    });
    await bridge.start();
    const op = await startOperator({
      kubeconfig: env.kubeconfigPath,
      args: [...managerArgs, `--namespace=${ns.name}`, "--leader-elect=false"],
      env: { POD_NAMESPACE: ns.name, GATEWAY_CREDENTIALS_DIR: credDir, ...managerEnv },
    });
    return new BridgedLoop({ client, ns: ns.name, bridge, op, credDir, cleanup: ns.cleanup });
  }

  async apply(obj: Record<string, unknown>): Promise<void> {
    await this.client.apply(obj, { fieldManager: "integration-test", force: true });
  }

  /**
   * Applies the shipped gateway (with its Redis URL Secret) and returns the URL of its pod once
   * the bridge reports it ready and the provider key of `keyFile` (`<ns>.<aimodel>`) is mounted.
   */
  async startGateway(keyFile: string): Promise<string> {
    const { client, ns, bridge } = this;
    // The keys the gateway reads, as the kubelet would mount the Secret (see shippedGateway).
    this.#stops.push(syncVolume(this.#credDir, secretSource(client, ns, CREDENTIALS_SECRET)));
    await this.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "inference-gateway-redis", namespace: ns },
      stringData: { url: testEnv().redisUrl },
    });
    for (const o of shippedGateway(bridge, ns)) await this.apply(o);
    await waitFor("gateway pod ready on the bridge", 60_000, () =>
      Promise.resolve(bridge.readyPods("inference-gateway-").length === 1),
    );
    await waitFor("provider key mounted", 10_000, () =>
      Promise.resolve(existsSync(join(this.#credDir, keyFile))),
    );
    const gw = bridge.readyPods("inference-gateway-")[0];
    assert.ok(gw !== undefined);
    return gw.url;
  }

  /** The API key gateway-config generated for the Tenant that owns namespace `ns`. */
  async tenantKey(ns: string): Promise<string> {
    let key = "";
    await waitFor(`tenant API key in ${ns}`, 15_000, async () => {
      const sec = await this.client.get<V1Secret>(SECRET, ns, TENANT_KEY_SECRET);
      key = Buffer.from(sec?.data?.[TENANT_KEY_KEY] ?? "", "base64").toString("utf8");
      return key !== "";
    });
    return key;
  }

  /** Runs `stop` when the loop stops (before the manager and the bridge). */
  onStop(stop: () => Promise<void>): void {
    this.#stops.push(stop);
  }

  async stop(): Promise<void> {
    for (const stop of this.#stops) await stop();
    await this.op.stop();
    await this.bridge.stop();
    await this.#cleanup();
    await rm(this.#credDir, { recursive: true, force: true });
  }
}
