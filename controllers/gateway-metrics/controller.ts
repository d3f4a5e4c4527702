// Wiring of the gateway-metrics controllers, sharing one scraper: one key per AIModel (its
// "namespace/name", also its backend name in the gateway) and one per Assistant, re-examined every
// scrape interval; creates and spec changes come at once (an Assistant also when gateway-config's
// Routed verdict moves). Their own status writes do not re-run them.
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../crds/assistant/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Manager } from "../../operators/runtime/index.ts";
import { anyOf, conditionChanged, generationChanged } from "../../operators/runtime/predicates.ts";
import {
  ASSISTANT_CONTROLLER_NAME,
  assistantMetricsReconciler,
  CONTROLLER_NAME,
  gatewayMetricsReconciler,
} from "./reconcile.ts";
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

/** Registers both controllers (AIModel and Assistant) with the manager, sharing one scraper. */
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
  const assistants = assistantMetricsReconciler({
    client,
    assistants: mgr.informer<Assistant>(ASSISTANT_KIND),
    scraper,
    thresholds: { minRequests: o.minRequests, windowMs: o.windowMs },
    intervalMs: o.intervalMs,
    statusIntervalMs: o.statusIntervalMs,
    now: () => new Date(),
  });
  mgr.addController({
    name: ASSISTANT_CONTROLLER_NAME,
    for: ASSISTANT_KIND,
    forUpdatePredicate: anyOf(generationChanged, conditionChanged("Routed")),
    maxConcurrentReconciles: 2,
    reconcile: (key) => assistants(key),
  });
}
