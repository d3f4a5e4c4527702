/**
 * server.ts: SIGTERM drains in-flight streams before exit (new requests are refused), and the JSON
 * logs contain neither secrets (API keys, Authorization) nor prompt text.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { newTenant, redisUrl, routing } from "./helpers.ts";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) =>
    s.close(() => {
      r();
    }),
  );
  return port;
}

void test("SIGTERM drains an in-flight stream, refuses new work, exits 0; logs hold no secrets or prompts", async (t) => {
  const up = await startTestUpstream({
    tokensPerSecond: 20,
    requireApiKey: "upstream-secret-value",
  });
  t.after(() => up.close());
  const dir = await mkdtemp(join(tmpdir(), "igw-drain-"));
  const configPath = join(dir, "routing.json");
  const tenant = newTenant("drain");
  process.env["IGW_DRAIN_UPSTREAM_KEY"] = "upstream-secret-value";
  await writeFile(
    configPath,
    JSON.stringify(
      routing({
        backends: [
          {
            name: "b",
            provider: "openai",
            baseURL: `${up.url}/v1`,
            apiKey: { env: "IGW_DRAIN_UPSTREAM_KEY" },
          },
        ],
        models: [{ name: "m", routes: [{ backend: "b" }] }],
        tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
      }),
    ),
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["workloads/inference-gateway/src/server.ts", "--config", configPath, "--port", String(port)],
    {
      cwd: new URL("../../../", import.meta.url).pathname,
      env: { ...process.env, REDIS_URL: redisUrl(), LOG_LEVEL: "debug" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let logs = "";
  child.stdout.on("data", (d: Buffer) => (logs += d.toString()));
  child.stderr.on("data", (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((r) =>
    child.on("exit", (code) => {
      r(code);
    }),
  );
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const prompt = "TOP-SECRET-PROMPT-TEXT";
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.key}` },
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: prompt }],
      max_tokens: 20,
      stream: true,
    }),
  });
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  assert.ok(first.value !== undefined);
  const t0 = Date.now();
  child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 100));
  const refused = await fetch(`${base}/v1/models`, {
    headers: { authorization: `Bearer ${tenant.key}` },
  }).then(
    (r) => r.status,
    () => "refused",
  );
  assert.ok(refused === "refused" || refused === 503, `new request during drain: ${refused}`);
  let text = new TextDecoder().decode(first.value);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  assert.match(text, /data: \[DONE\]\n\n$/, "the in-flight stream completed");
  assert.equal(await exited, 0);
  assert.ok(Date.now() - t0 >= 500, "exit waited for the stream");
  assert.match(logs, /Received signal; draining/);
  assert.match(logs, /Completed request/);
  assert.ok(!logs.includes(tenant.key), "no client API key in logs");
  assert.ok(!logs.includes("upstream-secret-value"), "no upstream credential in logs");
  assert.ok(!logs.includes(prompt), "no prompt text in logs");
  for (const line of logs.trim().split("\n")) JSON.parse(line);
});
