import { randomUUID } from "node:crypto";

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
  databaseUrl: string;
  appDatabaseUrl: string | undefined;
  appDbPassword: string;
  redisUrl: string;
  issuers: IssuerConfig[];
  inferenceUrl: string | undefined;
  inferenceApiKey: string | undefined;
  defaultModel: string;
  embeddingModel: string;
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
}

function num(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

function req(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "") throw new Error(`${name} is required`);
  return v;
}

/** Parses CHAT_OIDC_ISSUERS: a JSON array of {issuer, tenant, audience}. */
export function parseIssuers(raw: string | undefined): IssuerConfig[] {
  if (raw === undefined || raw === "") return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error("CHAT_OIDC_ISSUERS must be a JSON array");
  return parsed.map((e: unknown, i) => {
    const o = e as Partial<IssuerConfig> | null;
    if (typeof o?.issuer !== "string" || typeof o.tenant !== "string" || typeof o.audience !== "string") {
      throw new Error(`CHAT_OIDC_ISSUERS[${i}] needs string issuer, tenant and audience`);
    }
    return { issuer: o.issuer.replace(/\/$/, ""), tenant: o.tenant, audience: o.audience };
  });
}

/** Reads the configuration from the environment (pure apart from reading `env`). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ChatGatewayConfig {
  return {
    host: env["CHAT_HOST"] ?? "127.0.0.1",
    port: num(env, "CHAT_PORT", 8090),
    replicaId: env["CHAT_REPLICA_ID"] ?? `cg-${randomUUID().slice(0, 8)}`,
    databaseUrl: req(env, "DATABASE_URL"),
    appDatabaseUrl: env["CHAT_APP_DATABASE_URL"],
    appDbPassword: env["CHAT_APP_DB_PASSWORD"] ?? "chat-gateway-dev",
    redisUrl: req(env, "REDIS_URL"),
    issuers: parseIssuers(env["CHAT_OIDC_ISSUERS"]),
    inferenceUrl: env["INFERENCE_URL"],
    inferenceApiKey: env["INFERENCE_API_KEY"],
    defaultModel: env["CHAT_DEFAULT_MODEL"] ?? "test-model",
    embeddingModel: env["CHAT_EMBEDDING_MODEL"] ?? "test-embedding",
    maxFrameBytes: num(env, "CHAT_MAX_FRAME_BYTES", 64 * 1024),
    maxMessageChars: num(env, "CHAT_MAX_MESSAGE_CHARS", 32_000),
    heartbeatMs: num(env, "CHAT_HEARTBEAT_MS", 15_000),
    idleTimeoutMs: num(env, "CHAT_IDLE_TIMEOUT_MS", 300_000),
    maxBufferedBytes: num(env, "CHAT_MAX_BUFFERED_BYTES", 1024 * 1024),
    maxSubscriptions: num(env, "CHAT_MAX_SUBSCRIPTIONS", 64),
    framesPerSecond: num(env, "CHAT_FRAMES_PER_SECOND", 50),
    rateLimitMessages: num(env, "CHAT_RATE_LIMIT_MESSAGES", 60),
    rateLimitWindowMs: num(env, "CHAT_RATE_LIMIT_WINDOW_MS", 60_000),
    presenceTtlMs: num(env, "CHAT_PRESENCE_TTL_MS", 30_000),
    replyLeaseMs: num(env, "CHAT_REPLY_LEASE_MS", 15_000),
    drainTimeoutMs: num(env, "CHAT_DRAIN_TIMEOUT_MS", 10_000),
    indexerIntervalMs: num(env, "CHAT_INDEXER_INTERVAL_MS", 1_000),
    headPollMs: num(env, "CHAT_HEAD_POLL_MS", 2_000),
  };
}
