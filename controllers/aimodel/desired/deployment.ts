// Desired engine Deployment of a self-hosted AIModel: one engine container with the serving flags
// the controller owns, probes from spec.healthCheck, GPU limits and user env. Pure: no client,
// no clock, no env.
// Engine pods are confined whatever the spec says (issue 11): non-root (uid 65532), read-only root
// filesystem, no capabilities, no privilege escalation, seccomp RuntimeDefault, and no
// service-account token (an engine never talks to the API server). The engines' writable paths
// (model cache, temp files) are emptyDirs, pointed at by HOME/HF_HOME/XDG_CACHE_HOME unless the
// user sets those variables.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodSecurityContext,
  V1Probe,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { AIModel, AIModelEngine } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_DEFAULTS, effectiveReplicas } from "../../../crds/aimodel/v1alpha1/index.ts";
import { DEPLOYMENT } from "../../../operators/runtime/core-kinds.ts";
import { aimodelSelectorLabels, sortKeys } from "../../shared/labels.ts";
import { childMeta, ENGINE_CONTAINER, enginePort } from "./common.ts";

/** The unprivileged user engines run as (the distroless "nonroot" uid). */
export const ENGINE_UID = 65532;
/** Writable directory for model downloads and caches (an emptyDir). */
export const ENGINE_CACHE_DIR = "/cache";

const ENGINE_POD_SECURITY: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: ENGINE_UID,
  runAsGroup: ENGINE_UID,
  fsGroup: ENGINE_UID,
  seccompProfile: { type: "RuntimeDefault" },
};

const ENGINE_CONTAINER_SECURITY: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

const ENGINE_VOLUMES: V1Volume[] = [
  { name: "cache", emptyDir: {} },
  { name: "tmp", emptyDir: {} },
];

const ENGINE_MOUNTS: V1VolumeMount[] = [
  { name: "cache", mountPath: ENGINE_CACHE_DIR },
  { name: "tmp", mountPath: "/tmp" },
];

/** Where engines keep their caches on the read-only root filesystem; the user's values win. */
const CACHE_ENV: readonly V1EnvVar[] = [
  { name: "HOME", value: ENGINE_CACHE_DIR },
  { name: "HF_HOME", value: `${ENGINE_CACHE_DIR}/huggingface` },
  { name: "XDG_CACHE_HOME", value: ENGINE_CACHE_DIR },
];

/** The engine Deployment. */
export function desiredDeployment(model: AIModel, engine: AIModelEngine): V1Deployment {
  const m = childMeta(model);
  return {
    apiVersion: DEPLOYMENT.apiVersion,
    kind: DEPLOYMENT.kind,
    metadata: m,
    spec: {
      replicas: effectiveReplicas(model),
      revisionHistoryLimit: 5,
      selector: { matchLabels: aimodelSelectorLabels(m.name) },
      template: {
        metadata: { labels: m.labels },
        spec: {
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          securityContext: ENGINE_POD_SECURITY,
          containers: [engineContainer(model, engine)],
          volumes: ENGINE_VOLUMES,
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
    securityContext: ENGINE_CONTAINER_SECURITY,
    volumeMounts: ENGINE_MOUNTS,
  };
  c.env = engineEnv(model, engine, port);
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
  const model_ =
    extra.includes("--model") || extra.some((a) => a.startsWith("--model="))
      ? []
      : ["--model", model.spec.modelName];
  return [...model_, ...owned, ...extra];
}

function engineEnv(model: AIModel, engine: AIModelEngine, port: number): V1EnvVar[] {
  const env: V1EnvVar[] = (engine.env ?? []).map((e) =>
    e.valueFrom !== undefined
      ? {
          name: e.name,
          valueFrom: {
            secretKeyRef: {
              name: e.valueFrom.secretKeyRef.name,
              key: e.valueFrom.secretKeyRef.key,
            },
          },
        }
      : { name: e.name, value: e.value ?? "" },
  );
  // Ollama binds to 127.0.0.1:11434 by default; the Service needs it on the pod IP and our port.
  if (model.spec.provider === "ollama" && !env.some((e) => e.name === "OLLAMA_HOST")) {
    env.push({ name: "OLLAMA_HOST", value: `0.0.0.0:${port}` });
  }
  for (const e of CACHE_ENV)
    if (!env.some((u) => u.name === e.name)) env.push({ name: e.name, value: e.value ?? "" });
  return env;
}

/** The user's limits plus the GPU count as an extended-resource limit. */
function engineLimits(engine: AIModelEngine): Record<string, string> {
  const limits = { ...(engine.resources?.limits ?? {}) };
  const gpu = engine.gpu;
  // Extended resources must be equal in requests and limits; setting the limit implies the request.
  if (gpu !== undefined && gpu.count > 0) limits[gpu.resourceName] = String(gpu.count);
  return limits;
}

function engineResources(engine: AIModelEngine): V1Container["resources"] {
  const requests = { ...(engine.resources?.requests ?? {}) };
  const limits = engineLimits(engine);
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
    failureThreshold:
      (hc?.failureThreshold ?? AIMODEL_DEFAULTS.healthFailureThreshold) * thresholdFactor,
  };
}
