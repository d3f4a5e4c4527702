// Webhook settings from the environment, as a TypeBox schema read by the shared config helper
// (lib/config.ts): the schema is the contract for manifests and for cmd/webhooks and the manager.
// Unset values keep the defaults; an invalid value is an error naming the variable (bad
// configuration must not be silently replaced).
import { Type } from "@sinclair/typebox";
import { parseImagePrefixes } from "../crds/aimodel/v1alpha1/image-policy.ts";
import { ConfigError, parseEnv } from "../lib/config.ts";
import type { StartWebhooksOptions } from "./index.ts";
import type { ConnectionLimits } from "./server.ts";
import { parseDurationMs } from "./object.ts";
import { DEFAULT_POLICY } from "./types.ts";
import type { PolicyConfig } from "./types.ts";

/** Thrown for a webhook setting that is present but invalid: the program refuses to start. */
export class WebhookConfigError extends ConfigError {
  override name = "WebhookConfigError";
}

/** Environment variables of the webhook server. */
export const WebhookEnvSchema = Type.Object({
  POD_NAMESPACE: Type.Optional(
    Type.String({
      description:
        "Namespace holding the Secret and Service; also the cluster-wide kill-switch namespace",
    }),
  ),
  WEBHOOK_BIND_ADDRESS: Type.Optional(
    Type.String({ description: "Bind address (in a pod: 0.0.0.0 or the pod IP)" }),
  ),
  WEBHOOK_PORT: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 65535, description: "Listen port; 0 picks a free one" }),
  ),
  WEBHOOK_SERVICE_NAME: Type.Optional(Type.String()),
  WEBHOOK_SECRET_NAME: Type.Optional(Type.String()),
  WEBHOOK_CERT_MODE: Type.Optional(
    Type.Union([Type.Literal("auto"), Type.Literal("self"), Type.Literal("cert-manager")]),
  ),
  WEBHOOK_REGISTER_LOCAL: Type.Optional(
    Type.Boolean({
      description: "Local runs: register configurations pointing at https://127.0.0.1:<port>",
    }),
  ),
  WEBHOOK_MAX_CONNECTIONS: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65535, description: "Open connections at most (256)" }),
  ),
  WEBHOOK_HANDSHAKE_TIMEOUT_MS: Type.Optional(
    Type.Integer({ minimum: 100, description: "TLS handshake deadline in ms (5000)" }),
  ),
  WEBHOOK_HEADERS_TIMEOUT_MS: Type.Optional(
    Type.Integer({ minimum: 100, description: "Request headers deadline in ms (10000)" }),
  ),
  WEBHOOK_REQUEST_TIMEOUT_MS: Type.Optional(
    Type.Integer({ minimum: 100, description: "Whole request deadline in ms (15000)" }),
  ),
  WEBHOOK_IDLE_TIMEOUT_MS: Type.Optional(
    Type.Integer({ minimum: 100, description: "Idle connection timeout in ms (30000)" }),
  ),
  CHAOS_MAX_DURATION: Type.Optional(
    Type.String({
      pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$",
      description: "Upper bound of ChaosPolicy spec.duration, e.g. 1h",
    }),
  ),
  CHAOS_MAX_AFFECTED_PERCENT: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  AIMODEL_IMAGE_PREFIXES: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Comma-separated engine image prefixes self-hosted AIModels may run, e.g. "ghcr.io/acme/,docker.io/vllm/vllm-openai"; "*" admits any image. Default: the official vLLM and Ollama images',
    }),
  ),
});

function parse(
  env: Readonly<Record<string, string | undefined>>,
): ReturnType<typeof parseEnv<typeof WebhookEnvSchema>> {
  try {
    return parseEnv(WebhookEnvSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new WebhookConfigError(err.problems);
    throw err;
  }
}

/** Reads webhook settings from the environment (variables: WebhookEnvSchema). */
export function webhookOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Omit<StartWebhooksOptions, "kube" | "log"> {
  const e = parse(env);
  return {
    ...(e.POD_NAMESPACE !== undefined ? { namespace: e.POD_NAMESPACE } : {}),
    ...(e.WEBHOOK_BIND_ADDRESS !== undefined ? { host: e.WEBHOOK_BIND_ADDRESS } : {}),
    ...(e.WEBHOOK_PORT !== undefined ? { port: e.WEBHOOK_PORT } : {}),
    ...(e.WEBHOOK_SERVICE_NAME !== undefined ? { serviceName: e.WEBHOOK_SERVICE_NAME } : {}),
    ...(e.WEBHOOK_SECRET_NAME !== undefined ? { secretName: e.WEBHOOK_SECRET_NAME } : {}),
    ...(e.WEBHOOK_REGISTER_LOCAL === true ? { registerLocalConfigurations: true } : {}),
    ...(e.WEBHOOK_CERT_MODE !== undefined ? { certMode: e.WEBHOOK_CERT_MODE } : {}),
    ...limitsFromEnv(e),
    policy: policyFromEnv(env),
  };
}

function limitsFromEnv(e: ReturnType<typeof parse>): { limits?: Partial<ConnectionLimits> } {
  const out: Partial<ConnectionLimits> = {};
  if (e.WEBHOOK_MAX_CONNECTIONS !== undefined) out.maxConnections = e.WEBHOOK_MAX_CONNECTIONS;
  if (e.WEBHOOK_HANDSHAKE_TIMEOUT_MS !== undefined)
    out.handshakeTimeoutMs = e.WEBHOOK_HANDSHAKE_TIMEOUT_MS;
  if (e.WEBHOOK_HEADERS_TIMEOUT_MS !== undefined)
    out.headersTimeoutMs = e.WEBHOOK_HEADERS_TIMEOUT_MS;
  if (e.WEBHOOK_REQUEST_TIMEOUT_MS !== undefined)
    out.requestTimeoutMs = e.WEBHOOK_REQUEST_TIMEOUT_MS;
  if (e.WEBHOOK_IDLE_TIMEOUT_MS !== undefined) out.idleTimeoutMs = e.WEBHOOK_IDLE_TIMEOUT_MS;
  return Object.keys(out).length > 0 ? { limits: out } : {};
}

/** PolicyConfig from AIMODEL_IMAGE_PREFIXES, CHAOS_MAX_DURATION and CHAOS_MAX_AFFECTED_PERCENT, defaults otherwise. */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>>): PolicyConfig {
  const e = parse(env);
  const maxMs = parseDurationMs(e.CHAOS_MAX_DURATION);
  if (e.CHAOS_MAX_DURATION !== undefined && (maxMs === undefined || maxMs <= 0)) {
    throw new WebhookConfigError([
      `CHAOS_MAX_DURATION: must be a positive duration such as 30m or 1h (got "${e.CHAOS_MAX_DURATION}")`,
    ]);
  }
  const prefixes =
    e.AIMODEL_IMAGE_PREFIXES === undefined
      ? undefined
      : parseImagePrefixes(e.AIMODEL_IMAGE_PREFIXES);
  if (prefixes?.length === 0) {
    throw new WebhookConfigError([
      "AIMODEL_IMAGE_PREFIXES: must name at least one image prefix, or * to admit any image",
    ]);
  }
  return {
    aimodel: { imagePrefixes: prefixes ?? DEFAULT_POLICY.aimodel.imagePrefixes },
    chaos: {
      maxDurationSeconds:
        maxMs !== undefined ? Math.floor(maxMs / 1000) : DEFAULT_POLICY.chaos.maxDurationSeconds,
      maxAffectedPercent: e.CHAOS_MAX_AFFECTED_PERCENT ?? DEFAULT_POLICY.chaos.maxAffectedPercent,
    },
  };
}
