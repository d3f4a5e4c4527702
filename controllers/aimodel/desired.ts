// Desired children of an AIModel as pure functions of the AIModel and static controller config:
// no client, no clock, no env. Self-hosted providers get a Deployment, a Service and (above one
// replica) a PodDisruptionBudget; external providers get no children at all.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodDisruptionBudget,
  V1Probe,
  V1Service,
} from "@kubernetes/client-node";
import type { AIModel, AIModelEngine } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_DEFAULTS, SELF_HOSTED_PROVIDERS } from "../../crds/aimodel/v1alpha1/index.ts";
import { aimodelSelectorLabels, childLabels, sortKeys } from "../shared/labels.ts";
import { controllerRef } from "../shared/owner.ts";

/** Static configuration of the AIModel controller (flags, not per-object data). */
export interface AIModelConfig {
  /** Cluster DNS domain used in in-cluster endpoints. */
  clusterDomain: string;
}

export const DEFAULT_CONFIG: AIModelConfig = { clusterDomain: "cluster.local" };

/** Public OpenAI-compatible base URLs of the external providers, used when spec.external.baseURL is unset. */
export const PROVIDER_BASE_URLS: Record<string, string> = {
  anthropic: "https://api.anthropic.com/v1",
  google: "https://generativelanguage.googleapis.com/v1beta/openai",
  openai: "https://api.openai.com/v1",
};

export const ENGINE_CONTAINER = "engine";
export const COMPONENT = "inference-engine";

/** The children an AIModel should have. Absent entries must not exist. */
export interface DesiredChildren {
  deployment?: V1Deployment;
  service?: V1Service;
  pdb?: V1PodDisruptionBudget;
}

/** True for providers whose model runs in the cluster. */
export function isSelfHosted(model: AIModel): boolean {
  return (SELF_HOSTED_PROVIDERS as readonly string[]).includes(model.spec.provider);
}

/**
 * Replicas the Deployment should run: spec.replicas, clamped to the bounds while autoscaling
 * (admission requires maxReplicas then; without it there is no upper bound to clamp to).
 */
export function effectiveReplicas(model: AIModel): number {
  const { replicas, minReplicas, maxReplicas, autoscaling } = model.spec;
  if (autoscaling?.enabled !== true) return replicas;
  const atLeast = Math.max(replicas, minReplicas);
  return maxReplicas === undefined ? atLeast : Math.min(atLeast, maxReplicas);
}

/** Port the engine serves on. */
export function enginePort(model: AIModel): number {
  return model.spec.engine?.port ?? AIMODEL_DEFAULTS.enginePort;
}

/** URL the gateway uses to reach the model. */
export function endpointFor(model: AIModel, cfg: AIModelConfig): string | undefined {
  if (isSelfHosted(model)) {
    const ns = model.metadata.namespace ?? "default";
    return `http://${model.metadata.name}.${ns}.svc.${cfg.clusterDomain}:${enginePort(model)}/v1`;
  }
  return model.spec.external?.baseURL ?? PROVIDER_BASE_URLS[model.spec.provider];
}

/** All desired children of `model`. */
export function desiredChildren(model: AIModel): DesiredChildren {
  const engine = model.spec.engine;
  if (!isSelfHosted(model) || engine === undefined) return {};
  const out: DesiredChildren = {
    deployment: desiredDeployment(model, engine),
    service: desiredService(model),
  };
  if (effectiveReplicas(model) > 1) out.pdb = desiredPDB(model);
  return out;
}

function meta(model: AIModel): { name: string; namespace: string; labels: Record<string, string> } & Record<string, unknown> {
  const name = model.metadata.name ?? "";
  return {
    name,
    namespace: model.metadata.namespace ?? "default",
    labels: childLabels({
      name: model.spec.modelName.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63),
      component: COMPONENT,
      version: model.spec.version,
      selector: aimodelSelectorLabels(name),
    }),
    ownerReferences: [controllerRef(model)],
  };
}

/** The engine Deployment. */
export function desiredDeployment(model: AIModel, engine: AIModelEngine): V1Deployment {
  const m = meta(model);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: m,
    spec: {
      replicas: effectiveReplicas(model),
      revisionHistoryLimit: 5,
      selector: { matchLabels: aimodelSelectorLabels(m.name) },
      template: {
        metadata: { labels: m.labels },
        spec: {
          enableServiceLinks: false,
          containers: [engineContainer(model, engine)],
        },
      },
    },
  };
}

function engineContainer(model: AIModel, engine: AIModelEngine): V1Container {
  const port = enginePort(model);
  const c: V1Container = {
    name: ENGINE_CONTAINER,
    image: engine.image,
    args: engineArgs(model, engine, port),
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    readinessProbe: probe(model, 1),
    livenessProbe: probe(model, 3),
  };
  const env = engineEnv(model, engine, port);
  if (env.length > 0) c.env = env;
  const resources = engineResources(engine);
  if (resources !== undefined) c.resources = resources;
  return c;
}

/** Engine arguments: the serving flags the controller owns, then the user's extra arguments. */
export function engineArgs(model: AIModel, engine: AIModelEngine, port: number): string[] {
  const extra = engine.args ?? [];
  if (model.spec.provider !== "vllm") return [...extra];
  const owned = ["--served-model-name", model.spec.modelName, "--port", String(port)];
  // vLLM loads `--model`; default it to the model name unless the user names a source.
  const model_ = extra.includes("--model") || extra.some((a) => a.startsWith("--model=")) ? [] : ["--model", model.spec.modelName];
  return [...model_, ...owned, ...extra];
}

function engineEnv(model: AIModel, engine: AIModelEngine, port: number): V1EnvVar[] {
  const env: V1EnvVar[] = (engine.env ?? []).map((e) =>
    e.valueFrom !== undefined
      ? { name: e.name, valueFrom: { secretKeyRef: { name: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key } } }
      : { name: e.name, value: e.value ?? "" },
  );
  // Ollama binds to 127.0.0.1:11434 by default; the Service needs it on the pod IP and our port.
  if (model.spec.provider === "ollama" && !env.some((e) => e.name === "OLLAMA_HOST")) {
    env.push({ name: "OLLAMA_HOST", value: `0.0.0.0:${port}` });
  }
  return env;
}

function engineResources(engine: AIModelEngine): V1Container["resources"] {
  const requests = { ...(engine.resources?.requests ?? {}) };
  const limits = { ...(engine.resources?.limits ?? {}) };
  const gpus = engine.gpu?.count ?? 0;
  if (gpus > 0) {
    // Extended resources must be equal in requests and limits; setting the limit implies the request.
    limits[engine.gpu?.resourceName ?? AIMODEL_DEFAULTS.gpuResourceName] = String(gpus);
  }
  const out: NonNullable<V1Container["resources"]> = {};
  if (Object.keys(requests).length > 0) out.requests = sortKeys(requests);
  if (Object.keys(limits).length > 0) out.limits = sortKeys(limits);
  return Object.keys(out).length > 0 ? out : undefined;
}

function probe(model: AIModel, thresholdFactor: number): V1Probe {
  const hc = model.spec.healthCheck;
  return {
    httpGet: { path: hc?.path ?? AIMODEL_DEFAULTS.healthPath, port: "http" },
    periodSeconds: hc?.intervalSeconds ?? AIMODEL_DEFAULTS.healthIntervalSeconds,
    timeoutSeconds: hc?.timeoutSeconds ?? AIMODEL_DEFAULTS.healthTimeoutSeconds,
    failureThreshold: (hc?.failureThreshold ?? AIMODEL_DEFAULTS.healthFailureThreshold) * thresholdFactor,
  };
}

/** The ClusterIP Service in front of the engine pods. */
export function desiredService(model: AIModel): V1Service {
  const m = meta(model);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: m,
    spec: {
      type: "ClusterIP",
      selector: aimodelSelectorLabels(m.name),
      ports: [{ name: "http", port: enginePort(model), targetPort: "http", protocol: "TCP" }],
    },
  };
}

/** Keeps all but one replica up through voluntary disruptions (node drains, upgrades). */
export function desiredPDB(model: AIModel): V1PodDisruptionBudget {
  const m = meta(model);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: m,
    spec: { maxUnavailable: 1, selector: { matchLabels: aimodelSelectorLabels(m.name) } },
  };
}
