/**
 * Redis stopped during traffic (a redis-server of our own, stopped and restarted by its recorded
 * PID on the same port): the documented degradation, no hang, and recovery without restarting the
 * gateway. Tenants without limits keep being served; tenants with limits are served from the
 * lease they hold (a per-replica bound Redis already counted) until it lapses, then refused fast
 * with 503 GW_ERR_DEPENDENCY_UNAVAILABLE; /readyz stays 200 (every pod shares Redis: leaving the
 * Service would take them all out at once); after the restart everything is served again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { freePort, newTenant, post, routing, startGateway } from "./helpers.ts";

/** Starts redis-server on `port` (no persistence); resolves once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on("error", () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(child.pid ?? 0, "SIGTERM");
  await exited;
}

interface Sample {
  at: number;
  status: number;
  code: string | undefined;
  ms: number;
}

void test("Redis stopped during traffic: documented degradation, no hang, recovery without a restart", async (t) => {
  const port = await freePort();
  let redis = await startRedis(port);
  t.after(() => stop(redis));
  const up = await startTestUpstream();
  t.after(() => up.close());
  const limited = newTenant("limited");
  const free = newTenant("free");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: limited.id,
          apiKeys: [{ sha256: limited.hash }],
          models: ["m"],
          limits: { rpm: 1_000_000, tokenBudget: { tokens: 100_000_000 } },
        },
        { id: free.id, apiKeys: [{ sha256: free.hash }], models: ["m"] },
      ],
    }),
    {
      redisUrl: `redis://127.0.0.1:${port}`,
      redisCommandTimeoutMs: 2_000,
      reservationTtlMs: 3_000,
    },
  );
  t.after(() => gw.close());

  const body = { model: "m", messages: [{ role: "user", content: "still there?" }], max_tokens: 2 };
  const samples = new Map<string, Sample[]>([
    [limited.key, []],
    [free.key, []],
  ]);
  const ready: number[] = [];
  let running = true;
  const loop = async (key: string): Promise<void> => {
    while (running) {
      const t0 = Date.now();
      const r = await post(`${gw.url}/v1/chat/completions`, body, key);
      samples.get(key)?.push({
        at: t0,
        status: r.status,
        code: (r.json as { error?: { code: string } } | undefined)?.error?.code,
        ms: Date.now() - t0,
      });
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const probeReady = async (): Promise<void> => {
    while (running) {
      ready.push((await fetch(`${gw.url}/readyz`)).status);
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  const loops = [loop(limited.key), loop(limited.key), loop(free.key), probeReady()];
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  await sleep(2_000);
  const stoppedAt = Date.now();
  await stop(redis);
  await sleep(4_000);
  const restartedAt = Date.now();
  redis = await startRedis(port);
  let recoveredAt: number | undefined;
  while (Date.now() - restartedAt < 10_000) {
    const last = samples.get(limited.key)?.at(-1);
    if (last !== undefined && last.at > restartedAt && last.status === 200) {
      recoveredAt = last.at;
      break;
    }
    await sleep(100);
  }
  await sleep(500);
  running = false;
  await Promise.all(loops);

  const lim = samples.get(limited.key) ?? [];
  const fr = samples.get(free.key) ?? [];
  const before = lim.filter((s) => s.at < stoppedAt);
  assert.ok(
    before.length > 10 && before.every((s) => s.status === 200),
    `all served before: ${before.map((s) => `${s.status} ${s.code ?? ""}`).join(",")}`,
  );
  const during = lim.filter((s) => s.at > stoppedAt + 500 && s.at < restartedAt);
  const refused = during.filter((s) => s.status === 503);
  assert.ok(refused.length > 0, "limited tenant refused once its lease lapsed");
  for (const s of during) {
    assert.ok(s.status === 200 || s.status === 503, `status ${s.status} during the outage`);
    if (s.status === 503) assert.equal(s.code, "GW_ERR_DEPENDENCY_UNAVAILABLE");
  }
  // Fail fast: no waiting for command timeouts on every request once the loss is known.
  const slow = refused.filter((s) => s.ms > 1_500);
  assert.equal(slow.length, 0, `slow refusals: ${slow.map((s) => s.ms).join(",")}`);
  const freeDuring = fr.filter((s) => s.at > stoppedAt && s.at < restartedAt);
  assert.ok(freeDuring.length > 10, "the unlimited tenant kept sending");
  assert.ok(
    freeDuring.every((s) => s.status === 200),
    `unlimited tenant served: ${freeDuring.map((s) => s.status).join(",")}`,
  );
  assert.ok(ready.length > 20 && ready.every((s) => s === 200), `readyz: ${ready.join(",")}`);
  assert.ok(recoveredAt !== undefined, "limited tenant served again after the restart");
  t.diagnostic(`recovered ${recoveredAt - restartedAt} ms after Redis was back`);
  const after = lim.filter((s) => s.at > recoveredAt);
  assert.ok(after.length > 0 && after.every((s) => s.status === 200), "and stays served");
});
