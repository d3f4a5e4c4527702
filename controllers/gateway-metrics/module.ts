// The gateway-metrics controllers as a ControllerModule (operator "inference"): read what the
// inference gateway measured (its /metrics, from the ready pods behind its Service) and write
// AIModel status.latency, successRate, lastHealthCheckTime and the TrafficHealthy condition (which
// the AIModel controller folds into Degraded), and Assistant status: routed variants, stable
// version, VariantsHealthy, and the automatic rollback of spec.rollback.
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../crds/assistant/v1alpha1/index.ts";
import { ConfigError } from "../../lib/config.ts";
import { POD, SERVICE } from "../../operators/runtime/core-kinds.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import type {
  ControllerContext,
  ControllerModule,
  FlagSpec,
} from "../../operators/runtime/module.ts";
import { addGatewayMetricsController } from "./controller.ts";
import { CONTROLLER_NAME } from "./reconcile.ts";

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  "gateway-metrics-service": {
    type: "string",
    env: "GATEWAY_METRICS_SERVICE",
    default: "inference-gateway",
    description:
      "Service of the inference gateway in the operator namespace (its ready pods are scraped)",
  },
  "gateway-metrics-interval": {
    type: "string",
    env: "GATEWAY_METRICS_INTERVAL_MS",
    default: "15000",
    description: "Scrape interval in milliseconds (each AIModel is looked at once per interval)",
  },
  "gateway-metrics-window": {
    type: "string",
    env: "GATEWAY_METRICS_WINDOW_MS",
    default: "60000",
    description: "Window of the success rate and latency in milliseconds",
  },
  "gateway-metrics-status-interval": {
    type: "string",
    env: "GATEWAY_METRICS_STATUS_INTERVAL_MS",
    default: "60000",
    description:
      "Least time between two writes of changed numbers to one AIModel's status, in milliseconds (a changed verdict is written at once)",
  },
  "gateway-metrics-min-success-rate": {
    type: "string",
    env: "GATEWAY_METRICS_MIN_SUCCESS_RATE",
    default: "0.95",
    description: "Success rate in [0, 1] under which a model's traffic is unhealthy (Degraded)",
  },
  "gateway-metrics-min-requests": {
    type: "string",
    env: "GATEWAY_METRICS_MIN_REQUESTS",
    default: "20",
    description: "Requests a window needs before its success rate is judged",
  },
};

type Flags = ControllerContext["flags"];

const text = (flags: Flags, name: string): string => {
  const v = flags[name];
  return typeof v === "string" && v !== "" ? v : (FLAGS[name]?.default ?? "");
};

/** The numeric flags, parsed; every bad value is named in one ConfigError. */
export function numbersOf(flags: Flags): {
  intervalMs: number;
  windowMs: number;
  statusIntervalMs: number;
  minSuccessRate: number;
  minRequests: number;
} {
  const problems: string[] = [];
  const int = (name: string, min: number): number => {
    const raw = text(flags, name);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      problems.push(`--${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const out = {
    intervalMs: int("gateway-metrics-interval", 100),
    windowMs: int("gateway-metrics-window", 1000),
    statusIntervalMs: int("gateway-metrics-status-interval", 0),
    minRequests: int("gateway-metrics-min-requests", 1),
    minSuccessRate: Number(text(flags, "gateway-metrics-min-success-rate")),
  };
  if (!(out.minSuccessRate >= 0 && out.minSuccessRate <= 1))
    problems.push(
      `--gateway-metrics-min-success-rate must be a number in [0, 1], got "${text(flags, "gateway-metrics-min-success-rate")}"`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

export const gatewayMetricsModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "inference",
  flags: FLAGS,
  // Reads AIModels and Assistants and writes only their status (and Events on rollback); reads
  // the gateway's Service and pods in its own namespace (namespaceRules), and scrapes the pods
  // over the network (no API verb).
  clusterRules: [
    {
      apiGroups: [AIMODEL_KIND.group],
      resources: [AIMODEL_KIND.plural, ASSISTANT_KIND.plural],
      verbs: ["get", "list", "watch"],
    },
    {
      apiGroups: [AIMODEL_KIND.group],
      resources: [`${AIMODEL_KIND.plural}/status`, `${ASSISTANT_KIND.plural}/status`],
      verbs: ["get", "patch", "update"],
    },
    {
      apiGroups: ["", "events.k8s.io"],
      resources: ["events"],
      verbs: ["create", "patch", "update"],
    },
  ],
  namespaceRules: [
    { apiGroups: [groupOf(SERVICE.apiVersion)], resources: [SERVICE.plural], verbs: ["get"] },
    { apiGroups: [groupOf(POD.apiVersion)], resources: [POD.plural], verbs: ["list"] },
  ],
  checkFlags(flags) {
    numbersOf(flags);
  },
  setup(ctx) {
    addGatewayMetricsController(ctx.mgr, ctx.client, {
      namespace: ctx.operatorNamespace,
      service: text(ctx.flags, "gateway-metrics-service"),
      ...numbersOf(ctx.flags),
    });
  },
};

export default gatewayMetricsModule;
