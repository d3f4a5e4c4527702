// Wiring of the gateway-metrics controller: one key per AIModel (its "namespace/name", which is
// also its backend name in the gateway), re-examined every scrape interval; creates and spec
// changes come at once. Its own status writes do not re-run it (generation-changed predicate).
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Manager } from "../../operators/runtime/index.ts";
import { generationChanged } from "../../operators/runtime/predicates.ts";
import { CONTROLLER_NAME, gatewayMetricsReconciler } from "./reconcile.ts";
import { GatewayScraper } from "./scraper.ts";
import type { Thresholds } from "./verdict.ts";

export interface GatewayMetricsOptions {
  namespace: string;
  service: string;
  intervalMs: number;
  windowMs: number;
  statusIntervalMs: number;
  minSuccessRate: number;
  minRequests: number;
}

/** Registers the controller with the manager. */
export function addGatewayMetricsController(
  mgr: Manager,
  client: KubeClient,
  o: GatewayMetricsOptions,
): void {
  const scraper = new GatewayScraper(client, {
    namespace: o.namespace,
    service: o.service,
    intervalMs: o.intervalMs,
    windowMs: o.windowMs,
  });
  const thresholds: Thresholds = {
    minSuccessRate: o.minSuccessRate,
    minRequests: o.minRequests,
    windowMs: o.windowMs,
  };
  const reconcile = gatewayMetricsReconciler({
    client,
    models: mgr.informer<AIModel>(AIMODEL_KIND),
    scraper,
    thresholds,
    intervalMs: o.intervalMs,
    statusIntervalMs: o.statusIntervalMs,
    now: () => new Date(),
  });
  mgr.addController({
    name: CONTROLLER_NAME,
    for: AIMODEL_KIND,
    forUpdatePredicate: generationChanged,
    maxConcurrentReconciles: 2,
    reconcile: (key) => reconcile(key),
  });
}
