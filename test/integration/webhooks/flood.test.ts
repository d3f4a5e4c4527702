// Slow-loris and a connection flood against the webhook server while the API server keeps calling
// it: TCP connections that never start TLS are cut by the handshake timeout, TLS clients that
// drip their headers by the headers timeout, connections beyond the cap are closed at once, the
// API server's reviews are still answered promptly, and memory stays bounded. Small limits
// (WEBHOOK_* settings) keep the test short; the defaults are in webhooks/server.ts.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { KubeHttp } from "../../../operators/clients/http.ts";
import { startWebhooks } from "../../../webhooks/index.ts";
import { installCrds } from "../../helpers/crds.ts";
import { rawSocket, tlsSocket } from "../../helpers/sockets.ts";
import type { RawConn } from "../../helpers/sockets.ts";
import { aimodel } from "./fixtures.ts";
import { RUN_LABEL, createObject, testKubeConfig } from "./harness.ts";

const kc = testKubeConfig();
const http = new KubeHttp(kc);
const runId = randomBytes(4).toString("hex");
const ns = `wh-flood-${runId}`;

after(() =>
  http.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined),
);

test("slow-loris and a connection flood: cut by the timeouts and the cap; the API server's reviews still answered; memory bounded", async (t) => {
  await installCrds(kc);
  await http.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  });
  const webhooks = await startWebhooks({
    kube: http,
    log: pino({ level: "silent" }),
    namespace: ns,
    port: 0,
    configNames: {
      validating: `librechat-flood-${runId}-validating`,
      mutating: `librechat-flood-${runId}-mutating`,
    },
    certMode: "self",
    registerLocalConfigurations: { objectSelector: { matchLabels: { [RUN_LABEL]: runId } } },
    limits: {
      maxConnections: 300,
      handshakeTimeoutMs: 1_000,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    },
  });
  t.after(() => webhooks.stop());
  const port = webhooks.server.port;

  // A review the webhook denies (an engine image outside the allowed registries): the denial
  // proves our server answered, not a failure policy.
  const probe = aimodel("probe", ns, { engine: { image: "probe.invalid/engine:1" } });
  (probe["metadata"] as Record<string, unknown>)["labels"] = { [RUN_LABEL]: runId };
  const review = async (): Promise<boolean> => {
    const res = await createObject(http, probe, true);
    return !res.ok && res.message.includes('admission webhook "validate-aimodel.librechat.io"');
  };
  // Wait until the API server calls us (it picks up new configurations within a second or so).
  const deadline = Date.now() + 30_000;
  while (!(await review())) {
    assert.ok(Date.now() < deadline, "the API server never called the webhook");
    await new Promise((r) => setTimeout(r, 200));
  }
  const rssBefore = process.memoryUsage().rss;

  // 100 TCP clients that never start TLS, 100 TLS clients dripping a header byte every 200 ms,
  // 50 TLS clients that send nothing, and 100 more than the cap of 300 allows.
  const raw = await Promise.all(Array.from({ length: 100 }, () => rawSocket(port)));
  const loris = await Promise.all(Array.from({ length: 100 }, () => tlsSocket(port)));
  for (const c of loris) c.socket.write("POST /validate/aimodel HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  const drip = setInterval(() => {
    for (const c of loris) if (!c.socket.destroyed) c.socket.write("x");
  }, 200);
  t.after(() => {
    clearInterval(drip);
  });
  const idle = await Promise.all(Array.from({ length: 50 }, () => tlsSocket(port)));
  const excess = await Promise.all(
    Array.from({ length: 100 }, () => rawSocket(port).catch(() => undefined)),
  );
  const start = Date.now();

  // Meanwhile the API server's reviews are answered (over the connection it already holds).
  const latencies: number[] = [];
  while (Date.now() - start < 3_000) {
    const t0 = Date.now();
    assert.ok(await review(), "review answered by the webhook during the flood");
    latencies.push(Date.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  assert.ok(latencies.length >= 5 && p95 < 1_000, `answered ${latencies.length}, p95 ${p95} ms`);

  const cutWithin = async (conns: RawConn[]): Promise<number> =>
    Math.max(...(await Promise.all(conns.map((c) => c.closed)))) - start;
  const rawAfter = await cutWithin(raw);
  assert.ok(rawAfter < 5_000, `connections without a TLS handshake cut within ${rawAfter} ms`);
  const lorisAfter = await cutWithin(loris);
  assert.ok(lorisAfter < 5_000, `slow-loris connections cut within ${lorisAfter} ms`);
  for (const c of loris.slice(0, 5)) assert.match(c.data(), /^(HTTP\/1\.1 408|$)/);
  const idleAfter = await cutWithin(idle);
  assert.ok(idleAfter < 5_000, `silent TLS connections cut within ${idleAfter} ms`);
  const over = excess.filter((c) => c !== undefined);
  const overClosed = await Promise.all(over.map((c) => c.closed));
  assert.ok(
    overClosed.filter((at) => at - start < 1_000).length >= 40,
    "connections beyond the cap are closed at once",
  );
  const grown = process.memoryUsage().rss - rssBefore;
  assert.ok(grown < 100 * 1024 * 1024, `RSS grew ${Math.round(grown / 1048576)} MiB`);
  assert.ok(await review(), "reviews answered after the flood");
});
