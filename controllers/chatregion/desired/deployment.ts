// The gateway Deployment of a ChatRegion as a pure function of the ChatRegion, the replica count
// the autoscaler chose, the OIDC issuers of the owning Tenant and the controller config. Env is
// rendered against the chat gateway's own variables (workloads/chat-gateway/src/config.ts); a test
// parses what this renders with the gateway's parser.
import type { V1Container, V1Deployment, V1EnvVar, V1PodSpec } from "@kubernetes/client-node";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import type { ChatRegionConfig } from "./meta.ts";
import {
  childMeta,
  CONTAINER,
  GATEWAY_PORT,
  REGIONS_DIR,
  REGIONS_KEY,
  regionsConfigMapName,
  selectorLabels,
} from "./meta.ts";
import { DEPLOYMENT } from "../../../operators/runtime/core-kinds.ts";
import { TENANT_KEY_KEY, TENANT_KEY_SECRET } from "../../gateway-config/desired/secrets.ts";

/** One trusted issuer, as the gateway's CHAT_OIDC_ISSUERS expects it. */
export interface IssuerEntry {
  issuer: string;
  tenant: string;
  audience: string;
}

export interface DeploymentInput {
  region: ChatRegion;
  /** Replicas chosen by the connection-aware autoscaler (already within bounds). */
  replicas: number;
  issuers: readonly IssuerEntry[];
  config: ChatRegionConfig;
  /**
   * Public base URLs the web client may use, this region's first, then its fallbacks
   * (webEndpoints in failover.ts). Empty: the page uses its own origin only.
   */
  webEndpoints?: readonly string[];
}

/** Young-generation cap the gateway README recommends for many idle connections. */
const NODE_OPTIONS = "--max-semi-space-size=2";

/** The Deployment running the region's gateway pods. */
export function desiredDeployment(input: DeploymentInput): V1Deployment {
  const { region } = input;
  const m = childMeta(region);
  return {
    apiVersion: DEPLOYMENT.apiVersion,
    kind: DEPLOYMENT.kind,
    metadata: m,
    spec: {
      replicas: input.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(m.name) },
      // A new pod must be ready before an old one starts draining: capacity never dips.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: m.labels },
        spec: podSpec(input),
      },
    },
  };
}

function podSpec(input: DeploymentInput): V1PodSpec {
  const { region } = input;
  const drain = region.spec.drain;
  const spec: V1PodSpec = {
    enableServiceLinks: false,
    terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds,
    containers: [container(input)],
    volumes: [
      {
        name: "regions",
        configMap: {
          name: regionsConfigMapName(region),
          items: [{ key: REGIONS_KEY, path: REGIONS_KEY }],
        },
      },
    ],
  };
  const p = region.spec.placement;
  if (p?.nodeSelector !== undefined) spec.nodeSelector = { ...p.nodeSelector };
  if (p?.tolerations !== undefined) spec.tolerations = p.tolerations.map((t) => ({ ...t }));
  return spec;
}

function container(input: DeploymentInput): V1Container {
  const { region } = input;
  const c: V1Container = {
    name: CONTAINER,
    image: region.spec.image ?? input.config.defaultImage,
    // The image runs the repository's TypeScript sources with Node 24 (as the operator image does).
    command: ["node", "workloads/chat-gateway/src/server.ts"],
    env: gatewayEnv(input),
    ports: [{ name: "http", containerPort: GATEWAY_PORT, protocol: "TCP" }],
    readinessProbe: {
      httpGet: { path: "/readyz", port: "http" },
      periodSeconds: 2,
      timeoutSeconds: 2,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: { path: "/healthz", port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    volumeMounts: [{ name: "regions", mountPath: REGIONS_DIR, readOnly: true }],
  };
  // preStop keeps the pod serving while endpoints and clients' regions tables drop it; the
  // gateway then drains (reconnect frames) for at most maxDrainSeconds after SIGTERM.
  if (region.spec.drain.preStopSeconds > 0) {
    c.lifecycle = { preStop: { sleep: { seconds: region.spec.drain.preStopSeconds } } };
  }
  return c;
}

/** Key of the app role's password: spec.database.appPasswordSecretRef, else `appPassword` of the URL's Secret. */
export function appPasswordRef(region: ChatRegion): { name: string; key: string } {
  const db = region.spec.database;
  return db.appPasswordSecretRef ?? { name: db.urlSecretRef.name, key: APP_PASSWORD_KEY };
}

/** The Tenant's inference gateway key Secret (in the region's namespace). */
export function inferenceKeyRef(): { name: string; key: string } {
  return { name: TENANT_KEY_SECRET, key: TENANT_KEY_KEY };
}

/** Default key of the app role's password in the database Secret. */
export const APP_PASSWORD_KEY = "appPassword";

/** Environment of the gateway container, sorted by name so the output is deterministic. */
export function gatewayEnv(input: DeploymentInput): V1EnvVar[] {
  const { region, config } = input;
  const bp = region.spec.backplane;
  const env: V1EnvVar[] = [
    { name: "CHAT_DRAIN_TIMEOUT_MS", value: String(region.spec.drain.maxDrainSeconds * 1000) },
    // The pod IP, so probes and the operator's metrics reads reach the listener.
    { name: "CHAT_HOST", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "CHAT_OIDC_ISSUERS", value: JSON.stringify(input.issuers) },
    { name: "CHAT_PORT", value: String(GATEWAY_PORT) },
    { name: "CHAT_REGIONS_FILE", value: `${REGIONS_DIR}/${REGIONS_KEY}` },
    { name: "CHAT_REPLICA_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    // The admin URL runs the migrations at start and is then dropped by the gateway; the app role
    // (row-level security) logs in with the password, both from Secrets by reference only.
    { name: "CHAT_APP_DB_PASSWORD", valueFrom: { secretKeyRef: appPasswordRef(region) } },
    {
      name: "DATABASE_URL",
      valueFrom: {
        secretKeyRef: {
          name: region.spec.database.urlSecretRef.name,
          key: region.spec.database.urlSecretRef.key,
        },
      },
    },
    { name: "NODE_OPTIONS", value: NODE_OPTIONS },
  ];
  // Only Redis is a backplane the gateway speaks today; NATS is reported in status instead.
  if (bp.redis !== undefined) {
    env.push({
      name: "REDIS_URL",
      valueFrom: {
        secretKeyRef: { name: bp.redis.urlSecretRef.name, key: bp.redis.urlSecretRef.key },
      },
    });
  }
  if (config.inferenceUrl !== "") {
    env.push({ name: "INFERENCE_URL", value: config.inferenceUrl });
    // The Tenant's gateway API key, which gateway-config writes into the Tenant's first
    // namespace: replies are billed to the Tenant and limited by its budget. By reference only.
    env.push({ name: "INFERENCE_API_KEY", valueFrom: { secretKeyRef: inferenceKeyRef() } });
  }
  // Tracing stays off (the SDK is not even loaded) unless the operator was given a collector.
  if (config.otlpEndpoint !== "")
    env.push({ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: config.otlpEndpoint });
  const model = region.spec.models?.[0];
  if (model !== undefined) env.push({ name: "CHAT_DEFAULT_MODEL", value: model });
  env.push(...webEnv(input));
  return env.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * CHAT_WEB_*: the fleet serves the web client when the operator has a client directory and the
 * namespace has a Tenant realm to sign in with (the gateway refuses to start with a client and no
 * realm, so without one the client is left off rather than the pods crash-looping). The realm is
 * the gateway's default (the first CHAT_OIDC_ISSUERS entry); models are spec.models, the first is
 * the default, as CHAT_DEFAULT_MODEL.
 */
function webEnv(input: DeploymentInput): V1EnvVar[] {
  const { region, config } = input;
  if (config.webDir === "" || input.issuers.length === 0) return [];
  const env: V1EnvVar[] = [
    { name: "CHAT_WEB_DIR", value: config.webDir },
    { name: "CHAT_WEB_OIDC_CLIENT_ID", value: config.webClientId },
  ];
  const endpoints = input.webEndpoints ?? [];
  if (endpoints.length > 0) env.push({ name: "CHAT_WEB_ENDPOINTS", value: endpoints.join(",") });
  const models = region.spec.models ?? [];
  if (models.length > 0) env.push({ name: "CHAT_WEB_MODELS", value: models.join(",") });
  return env;
}

/** Replicas of a fresh ChatRegion before any load is known: spec.fleet.replicas within bounds. */
export function initialReplicas(region: ChatRegion): number {
  const f = region.spec.fleet;
  return Math.min(Math.max(f.replicas, f.minReplicas), f.maxReplicas);
}
