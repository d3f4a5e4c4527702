// Gateway-metrics reconciles, per AIModel and per Assistant: take the shared scrape round
// (scraper.ts), compute the measured status (verdict.ts, assistant-verdict.ts), and write it with
// server-side apply as the controller's own field manager when the should-write rule says so.
// Level-based: every pass recomputes from the latest window and comes back after one interval.
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../crds/assistant/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Informer, ReconcileResult } from "../../operators/runtime/index.ts";
import { assistantShouldWrite, assistantStatus } from "./assistant-verdict.ts";
import type { AssistantThresholds } from "./assistant-verdict.ts";
import type { VersionWindow } from "./measure.ts";
import type { Measured } from "./scraper.ts";
import type { Thresholds } from "./verdict.ts";
import { shouldWrite, trafficStatus } from "./verdict.ts";

export const CONTROLLER_NAME = "gateway-metrics";

export interface GatewayMetricsDeps {
  client: Pick<KubeClient, "applyStatus">;
  models: Pick<Informer<AIModel>, "get">;
  scraper: { current(): Promise<Measured> };
  thresholds: Thresholds;
  /** How often each model is looked at (the scrape interval). */
  intervalMs: number;
  /** Least time between two writes of changed numbers for one model (verdict flips: at once). */
  statusIntervalMs: number;
  now: () => Date;
}

/** The reconcile function; `key` is the AIModel's "namespace/name", also the gateway's backend name. */
export function gatewayMetricsReconciler(
  d: GatewayMetricsDeps,
): (key: string) => Promise<ReconcileResult> {
  const lastWrite = new Map<string, number>();
  return async (key) => {
    const model = d.models.get(key);
    if (model === undefined) {
      lastWrite.delete(key);
      return {};
    }
    const m = await d.scraper.current();
    const now = d.now();
    const seen = {
      backendName: key,
      processes: m.processes,
      problem: m.problem,
      backend: m.window.backends.get(key),
    };
    const desired = trafficStatus(model, seen, d.thresholds, now);
    const timing = {
      lastWriteMs: lastWrite.get(key),
      nowMs: now.getTime(),
      minIntervalMs: d.statusIntervalMs,
    };
    if (shouldWrite(model.status, desired, timing)) {
      try {
        await d.client.applyStatus(
          {
            apiVersion: AIMODEL_KIND.apiVersion,
            kind: AIMODEL_KIND.kind,
            metadata: { name: model.metadata.name, namespace: model.metadata.namespace },
            status: desired,
          },
          { fieldManager: CONTROLLER_NAME },
        );
      } catch (err) {
        throw new Error(`writing the measured status of AIModel ${key}`, { cause: err });
      }
      lastWrite.set(key, now.getTime());
    }
    return { requeueAfterMs: d.intervalMs };
  };
}

export const ASSISTANT_CONTROLLER_NAME = "gateway-metrics-assistant";

export interface AssistantMetricsDeps {
  client: Pick<KubeClient, "applyStatus" | "event">;
  assistants: Pick<Informer<Assistant>, "get">;
  scraper: { current(): Promise<Measured> };
  thresholds: AssistantThresholds;
  intervalMs: number;
  statusIntervalMs: number;
  now: () => Date;
}

/** The assistant's versions in the window (the gateway names an assistant by metadata.name). */
function versionsOf(m: Measured, name: string): Map<string, VersionWindow> {
  const out = new Map<string, VersionWindow>();
  for (const [k, v] of m.window.versions) {
    if (k.startsWith(`${name}/`)) out.set(k.slice(name.length + 1), v);
  }
  return out;
}

/** The per-Assistant pass: VariantsHealthy, routed variants, stable version, automatic rollback. */
export function assistantMetricsReconciler(
  d: AssistantMetricsDeps,
): (key: string) => Promise<ReconcileResult> {
  const lastWrite = new Map<string, number>();
  return async (key) => {
    const a = d.assistants.get(key);
    if (a === undefined) {
      lastWrite.delete(key);
      return {};
    }
    const m = await d.scraper.current();
    const now = d.now();
    const seen = {
      processes: m.processes,
      problem: m.problem,
      versions: versionsOf(m, a.metadata.name ?? ""),
    };
    const decision = assistantStatus(a, seen, d.thresholds, now);
    const timing = {
      lastWriteMs: lastWrite.get(key),
      nowMs: now.getTime(),
      minIntervalMs: d.statusIntervalMs,
    };
    if (assistantShouldWrite(a.status, decision.status, timing)) {
      const obj = {
        apiVersion: ASSISTANT_KIND.apiVersion,
        kind: ASSISTANT_KIND.kind,
        metadata: { name: a.metadata.name, namespace: a.metadata.namespace },
        status: decision.status,
      };
      try {
        await d.client.applyStatus(obj, { fieldManager: ASSISTANT_CONTROLLER_NAME });
      } catch (err) {
        throw new Error(`writing the measured status of Assistant ${key}`, { cause: err });
      }
      lastWrite.set(key, now.getTime());
      // After the write: the Event reports what status already says.
      if (decision.rollback !== undefined)
        await d.client.event(
          a,
          { type: "Warning", reason: "RolledBack", message: decision.rollback.message },
          ASSISTANT_CONTROLLER_NAME,
        );
    }
    return { requeueAfterMs: d.intervalMs };
  };
}
