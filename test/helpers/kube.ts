// Small Kubernetes helpers for integration tests against the test control plane (kwok node).
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { V1Pod } from "@kubernetes/client-node";
import { kubectlOk, testEnv, waitFor } from "./testenv.ts";

export function coreApi(): CoreV1Api {
  return testEnv().kubeConfig.makeApiClient(CoreV1Api);
}

export function appsApi(): AppsV1Api {
  return testEnv().kubeConfig.makeApiClient(AppsV1Api);
}

/** Server-side applies YAML/JSON manifests (or manifest objects) with kubectl (field manager "op-tests"). */
export async function apply(
  manifests: string | Manifest | Manifest[],
  namespace?: string,
): Promise<string> {
  const text =
    typeof manifests === "string"
      ? manifests
      : JSON.stringify(
          Array.isArray(manifests)
            ? { apiVersion: "v1", kind: "List", items: manifests }
            : manifests,
        );
  const args = [
    "apply",
    "--server-side",
    "--force-conflicts",
    "--field-manager=op-tests",
    "-f",
    "-",
  ];
  if (namespace !== undefined) args.push("-n", namespace);
  return kubectlOk(args, text);
}

/** A plain manifest (what `apply` takes as JSON). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** A minimal Deployment manifest (kwok runs no containers: any image name works). */
export function deployment(
  name: string,
  replicas: number,
  opts: { labels?: Record<string, string>; nodeName?: string } = {},
): Manifest {
  const labels = opts.labels ?? { app: name };
  const podSpec: Record<string, unknown> = {
    containers: [{ name: "main", image: "example.invalid/fake:1" }],
  };
  // Other tests add kwok nodes; pin to one node when the test cares where pods land.
  if (opts.nodeName !== undefined)
    podSpec["nodeSelector"] = { "kubernetes.io/hostname": opts.nodeName };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

export function isPodReady(p: V1Pod): boolean {
  return (
    p.status?.phase === "Running" &&
    (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

export async function listPods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
  const res = await coreApi().listNamespacedPod(
    labelSelector === undefined ? { namespace } : { namespace, labelSelector },
  );
  return res.items;
}

/** Waits until `count` pods matching the selector are Running and Ready; returns them. */
export async function waitForReadyPods(
  namespace: string,
  labelSelector: string,
  count: number,
  timeoutMs = 60_000,
): Promise<V1Pod[]> {
  let ready: V1Pod[] = [];
  await waitFor(`${count} ready pods (${labelSelector}) in ${namespace}`, timeoutMs, async () => {
    ready = (await listPods(namespace, labelSelector)).filter(
      (p) => p.metadata?.deletionTimestamp === undefined && isPodReady(p),
    );
    return ready.length === count;
  });
  return ready;
}

/** Waits until a Deployment reports `replicas` available replicas. */
export async function waitForDeploymentAvailable(
  namespace: string,
  name: string,
  replicas: number,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    `deployment ${namespace}/${name} to have ${replicas} available replicas`,
    timeoutMs,
    async () => {
      const d = await appsApi().readNamespacedDeployment({ namespace, name });
      return (
        (d.status?.availableReplicas ?? 0) === replicas &&
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1)
      );
    },
  );
}
