// The flags every long-running program of the operator suite shares (the manager and the webhook
// server): where metrics and probes listen, and the log level. Defined once so both programs and
// their manifests agree on names, environment variables and defaults.
import type { FlagDefs } from "./config.ts";

export const SERVING_FLAGS: FlagDefs = {
  "metrics-bind-address": {
    type: "string",
    env: "METRICS_BIND_ADDRESS",
    default: "127.0.0.1:8080",
    valueName: "H:P",
    description: '"0" disables',
  },
  "health-probe-bind-address": {
    type: "string",
    env: "HEALTH_PROBE_BIND_ADDRESS",
    default: "127.0.0.1:8081",
    valueName: "H:P",
    description: '"0" disables',
  },
  "log-level": {
    type: "string",
    env: "LOG_LEVEL",
    default: "info",
    valueName: "L",
    description: "pino level",
  },
};
