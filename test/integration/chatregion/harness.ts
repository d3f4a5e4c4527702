// Shared set-up of the ChatRegion integration tests: a namespace owned by a Tenant (label) whose
// Keycloak realm has the chat-gateway client and a user, the database and Redis Secrets, the real
// operator as a process, and the honest pod bridge (test/helpers/pod-bridge.ts) that runs the
// gateway pods the operator rendered. A tiny TCP load balancer per region stands in for the
// region's public endpoint: it forwards to that region's ready bridged pods. With `managedRealm`
// the realm is the Tenant controller's instead of the test's, so the Tenant spec's clients (what
// an admin declares) are what Keycloak gets.
import { after, before } from "node:test";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { CHATREGION_KIND as CHATREGION } from "../../../crds/chatregion/v1alpha1/index.ts";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { PodBridge } from "../../helpers/pod-bridge.ts";
import { startServiceProxy } from "../../helpers/service-proxy.ts";
import type { ServiceProxy } from "../../helpers/service-proxy.ts";
import { testEnv, waitFor } from "../../helpers/testenv.ts";
import {
  createUser,
  issuerOf,
  passwordGrantToken,
  tenantRealm,
} from "../chat-gateway/helpers/keycloak.ts";
import type { TenantRealm } from "../chat-gateway/helpers/keycloak.ts";
import { createOperatorClient, deleteOperatorClient } from "../tenant/keycloak-setup.ts";

export { CHATREGION };

const TENANT = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "Tenant",
  plural: "tenants",
  namespaced: false,
} as const;

export interface Harness {
  client: KubeClient;
  ns: string;
  tenant: string;
  realm: TenantRealm;
  bridge: PodBridge;
  op: OperatorProcess | undefined;
  /** Region name -> its load balancer's WebSocket URL. */
  lbs: Map<string, { url: string; proxy: ServiceProxy }>;
  /** Keycloak client of the Tenant controller (managedRealm only), named in the Tenant. */
  kcClientId: string;
}

export interface HarnessOptions {
  /** Replaces the default of all controllers, e.g. "chatregion,tenant". */
  controllers?: string;
  /** More operator env, read when the operator starts (so an earlier before hook may set it up). */
  operatorEnv?: () => Record<string, string>;
  /**
   * The Tenant controller creates the realm from the Tenant (with an operator client in Keycloak
   * holding only create-realm, as the Tenant README documents); the realm then has no test user
   * and no chat-gateway client, and `realm.token()` refuses. Deleting the Tenant deletes it.
   */
  managedRealm?: boolean;
}

function rand(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** Registers before/after hooks that build the harness; read it inside tests. */
export function perFile(prefix: string, opts: HarnessOptions = {}): Harness {
  const env = testEnv();
  const h: Harness = {
    client: new KubeClient(env.kubeConfig),
    ns: "",
    tenant: "",
    realm: undefined as unknown as TenantRealm,
    bridge: undefined as unknown as PodBridge,
    op: undefined,
    lbs: new Map(),
    kcClientId: "",
  };
  before(async () => {
    await installCrds(env.kubeConfig);
    const id = rand();
    h.tenant = `t${id}`;
    h.ns = `${h.tenant}-${prefix}`;
    const c = h.client;
    const fm = { fieldManager: "integration-test", force: true };
    let kcSecret = "";
    if (opts.managedRealm === true) {
      const kc = await createOperatorClient();
      h.kcClientId = kc.clientId;
      kcSecret = kc.secret;
      const realm = `r-${h.tenant}`;
      h.realm = {
        realm,
        tenant: h.tenant,
        issuer: issuerOf(realm),
        userId: "",
        username: "",
        password: "",
        token: () => Promise.reject(new Error("the Tenant controller's realm has no test user")),
      };
    } else {
      h.realm = await tenantRealm(`r-${h.tenant}`, h.tenant);
    }
    await c.apply(
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: h.ns,
          labels: { "librechat.io/tenant": h.tenant, "op-testenv/test-namespace": "true" },
        },
      },
      fm,
    );
    if (kcSecret !== "")
      await c.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "kc", namespace: h.ns },
          stringData: { secret: kcSecret },
        },
        fm,
      );
    await applyTenant(h);
    await c.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "db", namespace: h.ns },
        stringData: { url: env.databaseUrl, appPassword: `app-${id}` },
      },
      fm,
    );
    await c.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "redis", namespace: h.ns },
        stringData: { url: env.redisUrl },
      },
      fm,
    );
    h.bridge = new PodBridge({ client: c, nodeName: `bridge-${id}` });
    await h.bridge.start();
    h.op = await startOperator({
      kubeconfig: env.kubeconfigPath,
      args: [
        "--namespace",
        h.ns,
        "--leader-elect=false",
        ...(opts.controllers === undefined ? [] : [`--controllers=${opts.controllers}`]),
      ],
      env: {
        CHATREGION_KEYCLOAK_URL: env.keycloakUrl,
        CHATREGION_SYNC_PERIOD: "1",
        ...opts.operatorEnv?.(),
      },
    });
  });
  after(async () => {
    if (opts.managedRealm === true) {
      // While the operator still runs: its finalizer deletes the realm it made.
      await h.client.delete(TENANT, undefined, h.tenant);
      await waitFor("Tenant and its realm deleted", 60_000, async () => {
        return (await h.client.get(TENANT, undefined, h.tenant)) === undefined;
      });
      await deleteOperatorClient(h.kcClientId);
    }
    await h.op?.stop();
    for (const lb of h.lbs.values()) await lb.proxy.close();
    await h.bridge.stop();
    await h.client.delete(
      { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
      undefined,
      h.ns,
    );
    await h.client.delete(TENANT, undefined, h.tenant);
  });
  return h;
}

/**
 * Applies the harness' Tenant, owner of its namespace, with `clients` as spec.identity.clients
 * (an admin adds the web client's redirect URIs once the region's endpoint is known).
 */
export async function applyTenant(
  h: Harness,
  clients: Record<string, unknown>[] = [],
): Promise<void> {
  const env = testEnv();
  await h.client.apply(
    {
      apiVersion: "librechat.io/v1alpha1",
      kind: "Tenant",
      metadata: { name: h.tenant },
      spec: {
        displayName: h.tenant,
        owners: [{ kind: "User", name: "alice" }],
        ...(h.kcClientId === "" ? {} : { deletionPolicy: "Delete" }),
        identity: {
          keycloak: {
            url: env.keycloakUrl,
            ...(h.kcClientId === "" ? {} : { clientId: h.kcClientId }),
            credentialsSecretRef: { name: "kc", namespace: h.ns, key: "secret" },
          },
          realm: { name: h.realm.realm },
          ...(clients.length === 0 ? {} : { clients }),
        },
      },
    },
    { fieldManager: "integration-test", force: true },
  );
}

/**
 * Starts the load balancer of `region` (round-robin over its ready bridged pods; a connection to a
 * region without ready pods is refused). Returns its WebSocket URL, for spec.endpoint.
 */
export async function startLoadBalancer(h: Harness, region: string): Promise<string> {
  let rr = 0;
  const proxy = await startServiceProxy(() => {
    const pods = h.bridge.readyPods(`${region}-`);
    const pod = pods[rr++ % Math.max(pods.length, 1)];
    return pod === undefined ? undefined : new URL(pod.url).host;
  });
  const url = `ws://${proxy.host}/v1/ws`;
  h.lbs.set(region, { url, proxy });
  return url;
}

export interface RegionOptions {
  dataRegion?: string;
  replicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  target?: number;
  maxConnections?: number;
  reservedPercent?: number;
  stabilization?: number;
  fallbacks?: string[];
  priority?: number;
  cross?: boolean;
  endpoint?: string;
  /** spec.models (the web client's choices; the first is the default). */
  models?: string[];
  /** failover.unhealthyAfterSeconds (default 2) and healthyAfterSeconds (default 3). */
  grace?: number;
  holdDown?: number;
  /** Default: the bridge's node; `false` leaves the pods unschedulable. */
  onBridge?: boolean;
}

/** A ChatRegion manifest that runs on the bridge with the harness' Secrets. */
export function region(h: Harness, name: string, o: RegionOptions = {}): Record<string, unknown> {
  const placement =
    o.onBridge === false
      ? { nodeSelector: { "kubernetes.io/hostname": "nowhere" } }
      : h.bridge.placement();
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChatRegion",
    metadata: { name, namespace: h.ns },
    spec: {
      region: `${name}-1`,
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      placement,
      residency: { dataRegion: o.dataRegion ?? "eu", allowCrossRegionFailover: o.cross ?? false },
      fleet: {
        replicas: o.replicas ?? 1,
        minReplicas: o.minReplicas ?? 1,
        maxReplicas: o.maxReplicas ?? 6,
        targetConnectionsPerPod: o.target ?? 500,
        scaleDownStabilizationSeconds: o.stabilization ?? 5,
      },
      capacity: {
        maxConnections: o.maxConnections ?? 10000,
        reservedForFailoverPercent: o.reservedPercent ?? 20,
      },
      failover: {
        priority: o.priority ?? 10,
        weight: 100,
        fallbackRegions: o.fallbacks ?? [],
        unhealthyAfterSeconds: o.grace ?? 2,
        healthyAfterSeconds: o.holdDown ?? 3,
      },
      backplane: { type: "Redis", redis: { urlSecretRef: { name: "redis", key: "url" } } },
      database: { urlSecretRef: { name: "db", key: "url" } },
      drain: { preStopSeconds: 1, terminationGracePeriodSeconds: 30, maxDrainSeconds: 20 },
      ...(o.models === undefined ? {} : { models: o.models }),
    },
  };
}

export async function applyRegion(h: Harness, obj: Record<string, unknown>): Promise<void> {
  await h.client.apply(obj, { fieldManager: "integration-test", force: true });
}

export async function getRegion(h: Harness, name: string): Promise<ChatRegion | undefined> {
  return h.client.get<ChatRegion>(CHATREGION, h.ns, name);
}

export function condition(
  r: ChatRegion | undefined,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return r?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until `pred` holds for the region; returns it. */
export async function waitRegion(
  h: Harness,
  name: string,
  what: string,
  pred: (r: ChatRegion) => boolean,
  timeoutMs = 90_000,
): Promise<ChatRegion> {
  let last: ChatRegion | undefined;
  await waitFor(`ChatRegion ${name}: ${what}`, timeoutMs, async () => {
    last = await getRegion(h, name);
    return last !== undefined && pred(last);
  }).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; status: ${JSON.stringify(last?.status)}; operator: ${h.op?.output().slice(-3000) ?? ""}`,
    );
  });
  return last as ChatRegion;
}

/** Creates `n` more users in the Tenant's realm and returns one access token per user. */
export async function userTokens(h: Harness, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const username = `u${String(i)}-${h.tenant}`;
    const password = `pw-${username}`;
    await createUser(h.realm.realm, username, password);
    out.push(await passwordGrantToken(h.realm.realm, "chat-gateway", username, password));
  }
  return out;
}
