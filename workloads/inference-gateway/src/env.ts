/**
 * The inference gateway's own configuration: environment variables (and the few flags that
 * override them), as a TypeBox schema. This is the contract controllers render the gateway
 * Deployment's `env` from: build a `Record<string, string>`, check it with
 * {@link parseInferenceGatewayEnv}, and a test parses what was rendered. Pure; no side effects.
 *
 * Every value is a string in the environment; numbers are decimal integers. Unset (or empty)
 * variables take the defaults in the schema.
 */
import { Type } from "@sinclair/typebox";
import type { Static, TString } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function int(description: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): TString {
  return Type.String({
    pattern: "^[0-9]+$",
    description,
    default: String(def),
    minimum: min,
    maximum: max,
  });
}

/** Environment variables of the gateway (names unchanged from earlier releases). */
export const InferenceGatewayEnvSchema = Type.Object(
  {
    GATEWAY_CONFIG: Type.String({
      minLength: 1,
      description: "Routing file (YAML or JSON), normally a mounted ConfigMap (flag --config)",
    }),
    REDIS_URL: Type.String({
      pattern: "^rediss?://",
      description: "Redis for limits, budgets and the cache (flag --redis)",
    }),
    GATEWAY_HOST: Type.Optional(
      Type.String({
        minLength: 1,
        default: "127.0.0.1",
        description: "Listen address (flag --host)",
      }),
    ),
    GATEWAY_PORT: Type.Optional(int("Listen port (flag --port)", 8080, 0, 65_535)),
    GATEWAY_BODY_LIMIT_BYTES: Type.Optional(
      int("Largest request body; larger → 413 GW_ERR_BODY_TOO_LARGE", 4 * 1024 * 1024, 1024),
    ),
    GATEWAY_CONFIG_POLL_MS: Type.Optional(int("Poll interval of the routing file", 2_000, 50)),
    GATEWAY_DRAIN_TIMEOUT_MS: Type.Optional(
      int("On SIGTERM: how long in-flight requests and streams may finish", 30_000),
    ),
    GATEWAY_HEADERS_TIMEOUT_MS: Type.Optional(
      int("Longest time to receive a request's headers (slow clients are cut)", 10_000, 100),
    ),
    GATEWAY_REQUEST_TIMEOUT_MS: Type.Optional(
      int("Longest time to receive a whole request, headers and body", 30_000, 100),
    ),
    GATEWAY_KEEP_ALIVE_TIMEOUT_MS: Type.Optional(
      int("Idle keep-alive connections are closed after this", 72_000, 100),
    ),
    GATEWAY_MAX_CONNECTIONS: Type.Optional(
      int("Open client connections at most; more are closed at once", 10_000, 1),
    ),
    GATEWAY_UPSTREAM_STALL_MS: Type.Optional(
      int("Longest silence of an upstream stream between two chunks after the first", 60_000, 100),
    ),
    GATEWAY_REDIS_COMMAND_TIMEOUT_MS: Type.Optional(
      int("Timeout of each Redis command (and of connecting)", 2_000, 10),
    ),
    GATEWAY_RESERVATION_TTL_MS: Type.Optional(
      int("How long Redis keeps a replica's budget reservations without renewal", 30_000, 1_000),
    ),
    GATEWAY_IMAGE_TOKENS: Type.Optional(
      int("Tokens reserved per image part of a chat request", 4_096, 1),
    ),
    GATEWAY_MAX_CHOICES: Type.Optional(
      int("Largest n accepted; more → 400 GW_ERR_UNBOUNDED_REQUEST", 16, 1, 128),
    ),
    GATEWAY_JWKS_MAX_AGE_MS: Type.Optional(
      int("Age after which OIDC signing keys are refreshed in the background", 600_000, 1_000),
    ),
    GATEWAY_JWKS_MAX_STALE_MS: Type.Optional(
      int(
        "How long cached signing keys keep working while the issuer is unreachable",
        86_400_000,
        1_000,
      ),
    ),
    LOG_LEVEL: Type.Optional(
      Type.Union(
        LOG_LEVELS.map((l) => Type.Literal(l)),
        { default: "info", description: "pino level" },
      ),
    ),
    // Read by lib/tracing/config.ts (server.ts); listed here so rendered env is checked too.
    OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
      Type.String({
        pattern: "^https?://",
        description:
          "OTLP/HTTP base URL; set: traces are exported to <it>/v1/traces (off if unset)",
      }),
    ),
    OTEL_SERVICE_NAME: Type.Optional(
      Type.String({
        minLength: 1,
        default: "inference-gateway",
        description: "service name of spans",
      }),
    ),
  },
  { additionalProperties: true, $id: "InferenceGatewayEnv" },
);

/** The environment as the schema sees it (strings). */
export type InferenceGatewayEnv = Static<typeof InferenceGatewayEnvSchema>;

/** The parsed configuration. */
export interface InferenceGatewayConfig {
  configPath: string;
  redisUrl: string;
  host: string;
  port: number;
  bodyLimit: number;
  configPollMs: number;
  drainTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  upstreamStallMs: number;
  redisCommandTimeoutMs: number;
  reservationTtlMs: number;
  imageTokens: number;
  maxChoices: number;
  jwksMaxAgeMs: number;
  jwksMaxStaleMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Flags that override env variables. */
export interface InferenceGatewayFlags {
  config?: string | undefined;
  redis?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
}

const FLAG_VARS: Record<keyof InferenceGatewayFlags, keyof InferenceGatewayEnv> = {
  config: "GATEWAY_CONFIG",
  redis: "REDIS_URL",
  host: "GATEWAY_HOST",
  port: "GATEWAY_PORT",
};

const compiled = TypeCompiler.Compile(InferenceGatewayEnvSchema);
const properties = InferenceGatewayEnvSchema.properties as Record<
  string,
  { default?: unknown; minimum?: number; maximum?: number; pattern?: string }
>;

/** Result of {@link parseInferenceGatewayEnv}. */
export type ParsedEnv =
  { ok: true; config: InferenceGatewayConfig } | { ok: false; errors: string[] };

/** The env with flags applied and empty values dropped. */
function effective(
  env: Record<string, string | undefined>,
  flags: InferenceGatewayFlags,
): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") input[k] = v;
  for (const [flag, name] of Object.entries(FLAG_VARS)) {
    const v = flags[flag as keyof InferenceGatewayFlags];
    if (v !== undefined && v !== "") input[name] = v;
  }
  return input;
}

/** Schema errors, one per variable, each naming it. */
function schemaErrors(input: Record<string, string>): string[] {
  const errors: string[] = [];
  for (const e of compiled.Errors(input)) {
    const name = e.path.replace(/^\//, "");
    if (errors.some((x) => x.startsWith(`${name}:`))) continue;
    const what =
      properties[name]?.pattern === "^[0-9]+$" ? "must be a non-negative integer" : e.message;
    errors.push(`${name}: ${what}${e.value === undefined ? " (required)" : ""}`);
  }
  return errors;
}

/**
 * Validates the environment (plus flags, which win) and returns the configuration, or every
 * problem, each naming its variable (e.g. `GATEWAY_PORT: must be an integer from 0 to 65535`).
 */
export function parseInferenceGatewayEnv(
  env: Record<string, string | undefined>,
  flags: InferenceGatewayFlags = {},
): ParsedEnv {
  const input = effective(env, flags);
  const errors = schemaErrors(input);
  const num = (name: keyof InferenceGatewayEnv): number => {
    const p = properties[name];
    const n = Number(input[name] ?? p?.default);
    const min = p?.minimum ?? 0;
    const max = p?.maximum ?? Number.MAX_SAFE_INTEGER;
    if (!errors.some((x) => x.startsWith(`${name}:`)) && (n < min || n > max))
      errors.push(`${name}: must be an integer from ${min} to ${max}, got ${input[name] ?? ""}`);
    return n;
  };
  const config: InferenceGatewayConfig = {
    configPath: input["GATEWAY_CONFIG"] ?? "",
    redisUrl: input["REDIS_URL"] ?? "",
    host: input["GATEWAY_HOST"] ?? "127.0.0.1",
    port: num("GATEWAY_PORT"),
    bodyLimit: num("GATEWAY_BODY_LIMIT_BYTES"),
    configPollMs: num("GATEWAY_CONFIG_POLL_MS"),
    drainTimeoutMs: num("GATEWAY_DRAIN_TIMEOUT_MS"),
    headersTimeoutMs: num("GATEWAY_HEADERS_TIMEOUT_MS"),
    requestTimeoutMs: num("GATEWAY_REQUEST_TIMEOUT_MS"),
    keepAliveTimeoutMs: num("GATEWAY_KEEP_ALIVE_TIMEOUT_MS"),
    maxConnections: num("GATEWAY_MAX_CONNECTIONS"),
    upstreamStallMs: num("GATEWAY_UPSTREAM_STALL_MS"),
    redisCommandTimeoutMs: num("GATEWAY_REDIS_COMMAND_TIMEOUT_MS"),
    reservationTtlMs: num("GATEWAY_RESERVATION_TTL_MS"),
    imageTokens: num("GATEWAY_IMAGE_TOKENS"),
    maxChoices: num("GATEWAY_MAX_CHOICES"),
    jwksMaxAgeMs: num("GATEWAY_JWKS_MAX_AGE_MS"),
    jwksMaxStaleMs: num("GATEWAY_JWKS_MAX_STALE_MS"),
    logLevel: (input["LOG_LEVEL"] ?? "info") as InferenceGatewayConfig["logLevel"],
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs && errors.length === 0)
    errors.push(
      "GATEWAY_HEADERS_TIMEOUT_MS: must not exceed GATEWAY_REQUEST_TIMEOUT_MS (Node refuses it)",
    );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}
