/**
 * The chat gateway's configuration contract: every environment variable it reads, as one exported
 * TypeBox schema (`ChatGatewayEnvSchema`), and `parseChatGatewayEnv`, which turns an environment
 * into a typed config or a list of errors that name the variables. Controllers (the ChatRegion
 * operator) render a Deployment's env against this schema and test it with the same parser.
 */
import { randomUUID } from "node:crypto";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { WebOptions } from "./plugins/web.ts";
import { tracingConfig } from "../../../lib/tracing/config.ts";
import type { TracingConfig } from "../../../lib/tracing/types.ts";

/** One trusted OIDC issuer (a tenant's Keycloak realm). */
export interface IssuerConfig {
  issuer: string;
  tenant: string;
  audience: string;
}

/** Runtime configuration; every field has a documented env var (see README.md). */
export interface ChatGatewayConfig {
  host: string;
  port: number;
  replicaId: string;
  /** Admin URL: migrations only; the app never keeps it after start (see plugins/pg.ts). */
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  appDbPassword: string | undefined;
  redisUrl: string;
  issuers: IssuerConfig[];
  inferenceUrl: string | undefined;
  inferenceApiKey: string | undefined;
  defaultModel: string;
  embeddingModel: string;
  logLevel: string;
  regionsFile: string | undefined;
  maxFrameBytes: number;
  maxMessageChars: number;
  heartbeatMs: number;
  idleTimeoutMs: number;
  maxBufferedBytes: number;
  maxSubscriptions: number;
  framesPerSecond: number;
  rateLimitMessages: number;
  rateLimitWindowMs: number;
  presenceTtlMs: number;
  replyLeaseMs: number;
  drainTimeoutMs: number;
  indexerIntervalMs: number;
  headPollMs: number;
  maxConnections: number;
  maxConnectionsPerUser: number;
  maxPendingUpgrades: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  pgPoolMax: number;
  pgConnectTimeoutMs: number;
  pgStatementTimeoutMs: number;
  redisCommandTimeoutMs: number;
  postFramesPerSecond: number;
  typingPerSecond: number;
  searchPerMinute: number;
  ticketTtlMs: number;
  jwksCacheMs: number;
  jwksMaxStaleMs: number;
  inferenceStallMs: number;
  /** The web client served at / (off unless CHAT_WEB_DIR is set). */
  web: WebOptions | undefined;
  /** Traces over OTLP (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; lib/tracing). */
  tracing: TracingConfig | undefined;
}

type IntField = {
  [K in keyof ChatGatewayConfig]: ChatGatewayConfig[K] extends number ? K : never;
}[keyof ChatGatewayConfig];

/** Integer variables: name -> [config field, default, minimum, meaning]. */
const INTS: Record<string, readonly [IntField, number, number, string]> = {
  CHAT_PORT: ["port", 8090, 0, "listen port (0 = any)"],
  CHAT_MAX_FRAME_BYTES: ["maxFrameBytes", 64 * 1024, 256, "largest client frame or POST body"],
  CHAT_MAX_MESSAGE_CHARS: ["maxMessageChars", 32_000, 1, "longest message"],
  CHAT_HEARTBEAT_MS: ["heartbeatMs", 15_000, 100, "WebSocket ping / SSE comment interval"],
  CHAT_IDLE_TIMEOUT_MS: [
    "idleTimeoutMs",
    300_000,
    1000,
    "close a connection without client frames after this",
  ],
  CHAT_MAX_BUFFERED_BYTES: [
    "maxBufferedBytes",
    1024 * 1024,
    1024,
    "outbound buffer per connection",
  ],
  CHAT_MAX_SUBSCRIPTIONS: ["maxSubscriptions", 64, 1, "subscriptions per connection"],
  CHAT_FRAMES_PER_SECOND: [
    "framesPerSecond",
    50,
    1,
    "client frames per second per WebSocket connection",
  ],
  CHAT_RATE_LIMIT_MESSAGES: ["rateLimitMessages", 60, 1, "messages per user per window (Redis)"],
  CHAT_RATE_LIMIT_WINDOW_MS: ["rateLimitWindowMs", 60_000, 1000, "message rate-limit window"],
  CHAT_PRESENCE_TTL_MS: ["presenceTtlMs", 30_000, 1000, "presence expiry"],
  CHAT_REPLY_LEASE_MS: ["replyLeaseMs", 15_000, 300, "reply lease"],
  CHAT_DRAIN_TIMEOUT_MS: ["drainTimeoutMs", 10_000, 0, "drain budget on SIGTERM"],
  CHAT_INDEXER_INTERVAL_MS: ["indexerIntervalMs", 1_000, 100, "search indexer period"],
  CHAT_HEAD_POLL_MS: [
    "headPollMs",
    2_000,
    100,
    "stream-head poll (recovers events Redis did not deliver)",
  ],
  CHAT_MAX_CONNECTIONS: [
    "maxConnections",
    20_000,
    1,
    "client connections per replica (WebSocket + SSE)",
  ],
  CHAT_MAX_CONNECTIONS_PER_USER: [
    "maxConnectionsPerUser",
    32,
    1,
    "client connections per user per replica",
  ],
  CHAT_MAX_PENDING_UPGRADES: [
    "maxPendingUpgrades",
    256,
    1,
    "WebSocket handshakes being authenticated at once",
  ],
  CHAT_HEADERS_TIMEOUT_MS: ["headersTimeoutMs", 10_000, 100, "time to receive request headers"],
  CHAT_REQUEST_TIMEOUT_MS: [
    "requestTimeoutMs",
    30_000,
    100,
    "time to receive a whole request (not the SSE response)",
  ],
  CHAT_KEEPALIVE_TIMEOUT_MS: ["keepAliveTimeoutMs", 5_000, 100, "idle keep-alive between requests"],
  CHAT_PG_POOL_MAX: ["pgPoolMax", 20, 1, "PostgreSQL connections per replica"],
  CHAT_PG_CONNECT_TIMEOUT_MS: [
    "pgConnectTimeoutMs",
    3_000,
    100,
    "PostgreSQL connect / pool checkout timeout",
  ],
  CHAT_PG_STATEMENT_TIMEOUT_MS: [
    "pgStatementTimeoutMs",
    5_000,
    100,
    "PostgreSQL statement timeout",
  ],
  CHAT_REDIS_COMMAND_TIMEOUT_MS: ["redisCommandTimeoutMs", 1_000, 50, "Redis command timeout"],
  CHAT_POST_FRAMES_PER_SECOND: [
    "postFramesPerSecond",
    20,
    1,
    "POST /v1/frames per user per second (per replica)",
  ],
  CHAT_TYPING_PER_SECOND: [
    "typingPerSecond",
    2,
    1,
    "typing frames per user per second (per replica)",
  ],
  CHAT_SEARCH_PER_MINUTE: ["searchPerMinute", 30, 1, "searches per user per minute (per replica)"],
  CHAT_TICKET_TTL_MS: ["ticketTtlMs", 30_000, 1000, "lifetime of a connection ticket"],
  CHAT_JWKS_CACHE_MS: ["jwksCacheMs", 600_000, 1000, "refresh signing keys after this age"],
  CHAT_INFERENCE_STALL_MS: [
    "inferenceStallMs",
    30_000,
    100,
    "longest silence between chunks of a streamed reply",
  ],
  CHAT_JWKS_MAX_STALE_MS: [
    "jwksMaxStaleMs",
    86_400_000,
    0,
    "use cached keys this long past their age while Keycloak is unreachable",
  ],
};

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function intSchema(name: string): TSchema {
  const [, dflt, minimum, description] = INTS[name] ?? ["port", 0, 0, ""];
  return Type.Optional(
    Type.String({
      pattern: "^[0-9]*$",
      default: String(dflt),
      description: `${description} (integer >= ${minimum})`,
    }),
  );
}

const str = (description: string, dflt?: string): TSchema =>
  Type.Optional(Type.String(dflt === undefined ? { description } : { description, default: dflt }));

/**
 * Every environment variable of the chat gateway. Values are strings as in a pod's env; defaults
 * are the `default` annotations. Unknown variables are ignored (a process has many).
 */
export const ChatGatewayEnvSchema = Type.Object(
  {
    CHAT_HOST: str("listen address", "127.0.0.1"),
    CHAT_REPLICA_ID: str("replica name (default: random)"),
    DATABASE_URL: str("PostgreSQL admin URL: runs the migrations at start, then is dropped"),
    CHAT_APP_DATABASE_URL: str(
      "PostgreSQL URL of the app role (default: derived from DATABASE_URL)",
    ),
    CHAT_APP_DB_PASSWORD: str(
      "password set on chat_gateway_app (required when the app URL is derived)",
    ),
    REDIS_URL: Type.String({ minLength: 1, description: "Redis URL" }),
    CHAT_OIDC_ISSUERS: str('JSON [{"issuer","tenant","audience"}]: trusted realms', "[]"),
    INFERENCE_URL: str("OpenAI-compatible base URL"),
    INFERENCE_API_KEY: str("bearer key for INFERENCE_URL"),
    CHAT_DEFAULT_MODEL: str("model of replies", "test-model"),
    CHAT_EMBEDDING_MODEL: str("embedding model of search", "test-embedding"),
    CHAT_REGIONS_FILE: str("JSON regions table (mounted ConfigMap), re-read on change"),
    LOG_LEVEL: Type.Optional(
      Type.Union(
        LOG_LEVELS.map((l) => Type.Literal(l)),
        { default: "info" },
      ),
    ),
    CHAT_WEB_DIR: str("directory of the built web client served at / (unset: no web client)"),
    CHAT_WEB_OIDC_ISSUER: str(
      "realm the web client signs in with (default: first CHAT_OIDC_ISSUERS)",
    ),
    CHAT_WEB_OIDC_CLIENT_ID: str("public OIDC client of the web client", "chat-web"),
    CHAT_WEB_ENDPOINTS: str(
      "comma-separated fleet base URLs offered to the page (default: its origin)",
    ),
    CHAT_WEB_MODELS: str(
      "comma-separated models offered by the page (default: CHAT_DEFAULT_MODEL)",
    ),
    OTEL_EXPORTER_OTLP_ENDPOINT: str(
      "OTLP/HTTP base URL; set: traces are exported to <it>/v1/traces (unset: tracing off)",
    ),
    OTEL_SERVICE_NAME: str("service name of spans", "chat-gateway"),
    ...Object.fromEntries(Object.keys(INTS).map((n) => [n, intSchema(n)])),
  },
  { additionalProperties: true },
);
export type ChatGatewayEnv = Static<typeof ChatGatewayEnvSchema>;

const IssuersSchema = Type.Array(
  Type.Object({
    issuer: Type.String({ minLength: 1 }),
    tenant: Type.String({ minLength: 1 }),
    audience: Type.String({ minLength: 1 }),
  }),
);

/** One problem with the environment, naming its variable. */
export interface EnvError {
  variable: string;
  message: string;
}

export type ParseResult =
  { ok: true; config: ChatGatewayConfig } | { ok: false; errors: EnvError[] };

/** Parses CHAT_OIDC_ISSUERS: a JSON array of {issuer, tenant, audience}. */
export function parseIssuers(raw: string | undefined): IssuerConfig[] {
  if (raw === undefined || raw === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error("CHAT_OIDC_ISSUERS is not valid JSON", { cause: err });
  }
  const first = Value.Errors(IssuersSchema, parsed).First();
  if (first !== undefined)
    throw new Error(`CHAT_OIDC_ISSUERS${first.path.replace(/\//g, ".")}: ${first.message}`);
  return (parsed as IssuerConfig[]).map((o) => ({
    issuer: o.issuer.replace(/\/$/, ""),
    tenant: o.tenant,
    audience: o.audience,
  }));
}

function checkUrl(
  env: Record<string, string | undefined>,
  name: string,
  protocols: readonly string[],
  errors: EnvError[],
): void {
  const v = env[name];
  if (v === undefined || v === "") return;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    // The value itself may hold a password: never echo it.
    errors.push({ variable: name, message: "is not a URL" });
    return;
  }
  if (!protocols.includes(u.protocol))
    errors.push({ variable: name, message: `must use ${protocols.join(" or ")}` });
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v === "" ? undefined : v;

/**
 * Reads the configuration from an environment (pure: no clock, no file; the replica id is random
 * only when CHAT_REPLICA_ID is unset). Returns every problem at once, each naming its variable.
 */
function schemaErrors(env: Record<string, string | undefined>, errors: EnvError[]): void {
  for (const e of Value.Errors(ChatGatewayEnvSchema, env)) {
    const variable = e.path.replace(/^\//, "").split("/")[0] ?? e.path;
    if (errors.some((x) => x.variable === variable)) continue;
    errors.push({ variable, message: e.message });
  }
}

function parseInts(
  env: Record<string, string | undefined>,
  errors: EnvError[],
): Record<IntField, number> {
  const ints: Partial<Record<IntField, number>> = {};
  for (const [name, [field, dflt, minimum]] of Object.entries(INTS)) {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) {
      ints[field] = dflt;
      continue;
    }
    if (!/^[0-9]+$/.test(raw)) continue; // reported by the schema
    const n = Number(raw);
    if (n < minimum) errors.push({ variable: name, message: `must be >= ${minimum}` });
    ints[field] = n;
  }
  return ints as Record<IntField, number>;
}

/** The database variables: at least one URL, and a password whenever the app URL is derived. */
function checkDatabase(env: Record<string, string | undefined>, errors: EnvError[]): void {
  checkUrl(env, "DATABASE_URL", ["postgres:", "postgresql:"], errors);
  checkUrl(env, "CHAT_APP_DATABASE_URL", ["postgres:", "postgresql:"], errors);
  const databaseUrl = nonEmpty(env["DATABASE_URL"]);
  const appDatabaseUrl = nonEmpty(env["CHAT_APP_DATABASE_URL"]);
  if (databaseUrl === undefined && appDatabaseUrl === undefined) {
    errors.push({
      variable: "DATABASE_URL",
      message: "DATABASE_URL or CHAT_APP_DATABASE_URL is required",
    });
  }
  if (
    appDatabaseUrl === undefined &&
    databaseUrl !== undefined &&
    nonEmpty(env["CHAT_APP_DB_PASSWORD"]) === undefined
  ) {
    // No default password in product code: the app role's password is chosen by the deployer.
    errors.push({
      variable: "CHAT_APP_DB_PASSWORD",
      message: "is required when the app role's URL is derived from DATABASE_URL",
    });
  }
}

function list(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** CHAT_WEB_*: where the built client is and which realm, client, endpoints and models it uses. */
export function parseWeb(
  env: Record<string, string | undefined>,
  issuers: IssuerConfig[],
  defaultModel: string,
): WebOptions | undefined {
  const dir = nonEmpty(env["CHAT_WEB_DIR"]);
  if (dir === undefined) return undefined;
  const issuer = nonEmpty(env["CHAT_WEB_OIDC_ISSUER"]) ?? issuers[0]?.issuer;
  if (issuer === undefined)
    throw new Error("is set but no realm: set CHAT_WEB_OIDC_ISSUER or CHAT_OIDC_ISSUERS");
  const models = list(env["CHAT_WEB_MODELS"]);
  return {
    dir,
    issuer: issuer.replace(/\/$/, ""),
    clientId: nonEmpty(env["CHAT_WEB_OIDC_CLIENT_ID"]) ?? "chat-web",
    endpoints: list(env["CHAT_WEB_ENDPOINTS"]).map((e) => e.replace(/\/$/, "")),
    models: models.length > 0 ? models : [defaultModel],
    defaultModel: models[0] ?? defaultModel,
  };
}

export function parseChatGatewayEnv(env: Record<string, string | undefined>): ParseResult {
  const errors: EnvError[] = [];
  schemaErrors(env, errors);
  const ints = parseInts(env, errors);
  checkDatabase(env, errors);
  checkUrl(env, "REDIS_URL", ["redis:", "rediss:"], errors);
  checkUrl(env, "INFERENCE_URL", ["http:", "https:"], errors);
  const databaseUrl = nonEmpty(env["DATABASE_URL"]);
  const appDatabaseUrl = nonEmpty(env["CHAT_APP_DATABASE_URL"]);
  const appDbPassword = nonEmpty(env["CHAT_APP_DB_PASSWORD"]);
  let issuers: IssuerConfig[] = [];
  try {
    issuers = parseIssuers(env["CHAT_OIDC_ISSUERS"]);
  } catch (err) {
    errors.push({
      variable: "CHAT_OIDC_ISSUERS",
      message: err instanceof Error ? err.message : String(err),
    });
  }
  const defaultModel = nonEmpty(env["CHAT_DEFAULT_MODEL"]) ?? "test-model";
  let web: WebOptions | undefined;
  try {
    web = parseWeb(env, issuers, defaultModel);
  } catch (err) {
    errors.push({
      variable: "CHAT_WEB_DIR",
      message: err instanceof Error ? err.message : String(err),
    });
  }
  let tracing: TracingConfig | undefined;
  try {
    tracing = tracingConfig(env, "chat-gateway");
  } catch (err) {
    errors.push({ variable: "OTEL_EXPORTER_OTLP_ENDPOINT", message: (err as Error).message });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      ...ints,
      host: nonEmpty(env["CHAT_HOST"]) ?? "127.0.0.1",
      replicaId: nonEmpty(env["CHAT_REPLICA_ID"]) ?? `cg-${randomUUID().slice(0, 8)}`,
      databaseUrl,
      appDatabaseUrl,
      appDbPassword,
      redisUrl: env["REDIS_URL"] ?? "",
      issuers,
      inferenceUrl: nonEmpty(env["INFERENCE_URL"]),
      inferenceApiKey: nonEmpty(env["INFERENCE_API_KEY"]),
      defaultModel,
      embeddingModel: nonEmpty(env["CHAT_EMBEDDING_MODEL"]) ?? "test-embedding",
      logLevel: nonEmpty(env["LOG_LEVEL"]) ?? "info",
      regionsFile: nonEmpty(env["CHAT_REGIONS_FILE"]),
      web,
      tracing,
    },
  };
}

/** Like parseChatGatewayEnv, but throws one error listing every problem (for entrypoints). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): ChatGatewayConfig {
  const r = parseChatGatewayEnv(env);
  if (!r.ok)
    throw new Error(
      `invalid environment: ${r.errors.map((e) => `${e.variable} ${e.message}`).join("; ")}`,
    );
  return r.config;
}
