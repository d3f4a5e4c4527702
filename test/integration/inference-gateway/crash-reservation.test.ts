/**
 * A gateway replica that dies mid-request (a real process, SIGKILL by its recorded PID) leaves
 * its budget reservation in Redis; another replica sees the budget held, and gets it back once the
 * dead replica's reservation expires (GATEWAY_RESERVATION_TTL_MS), not at the end of the budget
 * period.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { chatBound } from "../../../workloads/inference-gateway/src/limits/bound.ts";
import {
  budgetState,
  eventually,
  freePort,
  newTenant,
  post,
  redisClient,
  redisUrl,
  routing,
  startGateway,
  waitForHttp,
} from "./helpers.ts";

const SERVER = resolve(import.meta.dirname, "../../../workloads/inference-gateway/src/server.ts");
const TTL_MS = 3_000;

void test("a replica killed mid-request: its reservation returns within the reservation TTL", async (t) => {
  const up = await startTestUpstream({ latencyMs: 60_000 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("crash");
  const body = { model: "m", messages: [{ role: "user", content: "hold it" }], max_tokens: 50 };
  const b = chatBound(body, Buffer.byteLength(JSON.stringify(body)), 1024);
  const perRequest = b.inputTokens + b.outputTokens;
  // Room for exactly one request at a time.
  const config = routing({
    backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
    models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
    tenants: [
      {
        id: tenant.id,
        apiKeys: [{ sha256: tenant.hash }],
        models: ["m"],
        limits: { tokenBudget: { tokens: perRequest, periodSeconds: 86_400 } },
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), "igw-crash-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const configPath = join(dir, "routing.json");
  await writeFile(configPath, JSON.stringify(config));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [SERVER, "--config", configPath, "--port", String(port), "--redis", redisUrl()],
    {
      env: { ...process.env, GATEWAY_RESERVATION_TTL_MS: String(TTL_MS), LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const pid = child.pid;
  assert.ok(pid !== undefined, "gateway process started");
  const exited = new Promise<NodeJS.Signals | null>((r) =>
    child.once("exit", (_c, s) => {
      r(s);
    }),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
  });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  await waitForHttp(`${url}/readyz`, 20_000);
  t.diagnostic(`gateway process ready after ${Date.now() - t0} ms`);

  // A request the upstream holds: its reservation is the whole budget.
  const inflight = post(`${url}/v1/chat/completions`, body, tenant.key).catch((e: unknown) => e);
  const reached = await eventually(
    () => Promise.resolve(up.stats.requests),
    (n) => n === 1,
    10_000,
  );
  assert.equal(reached, 1, "the request reached the upstream");
  const [key] = await redis.keys(`igw:{${tenant.id}}:budget:*`);
  assert.ok(key !== undefined);
  assert.deepEqual(await budgetState(redis, key), { reserved: String(perRequest) });

  process.kill(pid, "SIGKILL");
  assert.equal(await exited, "SIGKILL");
  const killedAt = Date.now();
  await inflight;
  up.set({ latencyMs: 0 });

  const other = await startGateway(config, { reservationTtlMs: TTL_MS });
  t.after(() => other.close());
  const held = await post(`${other.url}/v1/chat/completions`, body, tenant.key);
  assert.equal(held.status, 429, "the dead replica's reservation still holds the budget");
  assert.equal((held.json as { error: { code: string } }).error.code, "GW_ERR_BUDGET_EXCEEDED");
  assert.equal(held.headers.get("retry-after"), "1", "held by reservations, not spent");

  let served: Awaited<ReturnType<typeof post>> | undefined;
  while (Date.now() - killedAt < TTL_MS + 5_000) {
    const r = await post(`${other.url}/v1/chat/completions`, body, tenant.key);
    if (r.status === 200) {
      served = r;
      break;
    }
    assert.equal(r.status, 429, r.text);
    await new Promise((res) => setTimeout(res, 250));
  }
  const waited = Date.now() - killedAt;
  assert.ok(served !== undefined, `budget not returned ${waited} ms after the crash`);
  // The dead replica last renewed its reservation at most TTL/3 before it died.
  assert.ok(waited >= (TTL_MS * 2) / 3 - 250, `returned after ${waited} ms: not before its expiry`);
  assert.ok(waited <= TTL_MS + 1_000, `returned after ${waited} ms: within the TTL`);
  const fields = Object.keys(await redis.hgetall(key));
  assert.equal(
    fields.filter((f) => f.startsWith("r:")).length,
    1,
    `only the live replica holds reservations: ${fields.join(",")}`,
  );
});
