/**
 * Shared setup for the inference gateway integration tests: a real Redis (REDIS_URL), test
 * upstreams, a routing file on disk and a gateway listening on 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import Fastify, { LogController } from "fastify";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import app from "../../../workloads/inference-gateway/src/app.ts";
import type { GatewayOptions } from "../../../workloads/inference-gateway/src/app.ts";
import {
  ROUTING_CONFIG_API_VERSION,
  ROUTING_CONFIG_KIND,
} from "../../../workloads/inference-gateway/src/config/schema.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { hashApiKey } from "../../../workloads/inference-gateway/src/plugins/auth.ts";

/** REDIS_URL or a failure with instructions (tests must not skip silently). */
export function redisUrl(): string {
  const url = process.env["REDIS_URL"];
  if (url === undefined || url === "") {
    throw new Error(
      "REDIS_URL is not set: the inference gateway integration tests need a real Redis (hack/test.sh starts one; or run redis-server on 127.0.0.1 and export REDIS_URL=redis://127.0.0.1:<port>)",
    );
  }
  return url;
}

/** A fresh tenant id and API key for one test. */
export function newTenant(prefix = "t"): { id: string; key: string; hash: string } {
  const id = `${prefix}-${randomBytes(4).toString("hex")}`;
  const key = `sk-test-${randomBytes(16).toString("hex")}`;
  return { id, key, hash: hashApiKey(key) };
}

/** Minimal routing config around the given parts. */
export function routing(parts: Omit<RoutingConfig, "apiVersion" | "kind">): RoutingConfig {
  return { apiVersion: ROUTING_CONFIG_API_VERSION, kind: ROUTING_CONFIG_KIND, ...parts };
}

/** A running gateway. */
export interface TestGateway {
  url: string;
  app: FastifyInstance;
  configPath: string;
  /** Replaces the routing file atomically (write + rename, as the kubelet does). */
  writeConfig: (c: RoutingConfig) => Promise<void>;
  close: () => Promise<void>;
}

/** Starts a gateway with `config` on 127.0.0.1:0. */
export async function startGateway(
  config: RoutingConfig,
  opts: Partial<GatewayOptions> = {},
): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), "igw-test-"));
  const configPath = join(dir, "routing.yaml");
  let n = 0;
  const writeConfig = async (c: RoutingConfig): Promise<void> => {
    const tmp = join(dir, `.routing-${++n}.tmp`);
    await writeFile(tmp, JSON.stringify(c, null, 2));
    await rename(tmp, configPath);
  };
  await writeConfig(config);
  const server = Fastify({
    logger: { level: process.env["TEST_LOG_LEVEL"] ?? "silent" },
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  await server.register(app, {
    configPath,
    redisUrl: redisUrl(),
    configPollMs: 200,
    drainTimeoutMs: 5_000,
    ...opts,
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    app: server,
    configPath,
    writeConfig,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis client for assertions. */
export function redisClient(): Redis {
  return new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/**
 * A budget hash (token or cost budget) as `{ reserved, spent }` strings: `reserved` sums every
 * replica's live reservations (`r:<replica>` fields; absent when none was ever made), `spent` as
 * stored (absent when nothing was charged).
 */
export async function budgetState(redis: Redis, key: string): Promise<Record<string, string>> {
  const h = await redis.hgetall(key);
  const out: Record<string, string> = {};
  let reserved: number | undefined;
  for (const [f, v] of Object.entries(h)) {
    if (f.startsWith("r:")) reserved = (reserved ?? 0) + Number(v);
  }
  if (reserved !== undefined) out["reserved"] = String(reserved);
  if (h["spent"] !== undefined) out["spent"] = h["spent"];
  return out;
}

/** POSTs JSON to the gateway. */
export async function post(
  url: string,
  body: unknown,
  key: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Reads the value of a metric line from /metrics text (first match of name + label subset). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

/** Polls `fn` until it returns a value accepted by `ok` or `ms` pass; returns the last value. */
export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 2_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    v = await fn();
  }
  return v;
}

/** A free TCP port on 127.0.0.1 (for processes the test spawns). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) =>
    srv.close(() => {
      r();
    }),
  );
  return port;
}

/** Polls `url` until it answers 200 (or throws after `ms`). */
export async function waitForHttp(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
