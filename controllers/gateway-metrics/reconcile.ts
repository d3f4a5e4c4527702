// Gateway-metrics reconcile, per AIModel: take the shared scrape round (scraper.ts), compute the
// model's measured status (verdict.ts), and write it with server-side apply as its own field
// manager when shouldWrite says so. Level-based: every pass recomputes from the latest window and
// asks to come back after one interval.
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Informer, ReconcileResult } from "../../operators/runtime/index.ts";
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
