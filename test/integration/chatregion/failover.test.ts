// Failover within residency, end to end: three ChatRegions on the honest bridge (eu-a and eu-b of
// data region eu sharing one PostgreSQL, us-x of data region us), each behind its own TCP load
// balancer as its public endpoint. All of eu-a's gateway processes are SIGKILLed under load: after
// the grace period the operator marks eu-a Unhealthy and moves failover.activeTarget to eu-b (never
// to us-x, also named as a fallback); the regions tables the gateways serve follow; clients that
// follow the README's client algorithm move to eu-b and resume by seq. Measured: RTO per client
// (last delivery on eu-a -> first on eu-b) and RPO (accepted messages a fresh reader does not get).
// Then eu-b dies too: eu-a has no target and says why (us-x excluded). Then both come back: eu-a
// stays Unhealthy for its hold-down while its traffic goes back to eu-b, then is Healthy again.
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { TestClient } from "../chat-gateway/helpers/gateway.ts";
import type { RegionsTable } from "./client.ts";
import { RegionClient } from "./client.ts";
import {
  applyRegion,
  condition,
  getRegion,
  perFile,
  region,
  startLoadBalancer,
  waitRegion,
} from "./harness.ts";

const h = perFile("failover");
const CLIENTS = 20;
const HOLD_DOWN_A = 8;

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] ?? NaN;
}

async function tableAt(url: string): Promise<RegionsTable> {
  const u = new URL(url);
  const res = await fetch(`http://${u.host}/regions`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as RegionsTable;
}

test("eu-a killed under load -> eu-b takes its traffic within residency; clients resume with 0 lost, 0 duplicated", async (t) => {
  const lbA = await startLoadBalancer(h, "eu-a");
  const lbB = await startLoadBalancer(h, "eu-b");
  const lbUS = await startLoadBalancer(h, "us-x");
  await applyRegion(
    h,
    region(h, "eu-a", {
      endpoint: lbA,
      priority: 10,
      fallbacks: ["us-x", "eu-b"],
      holdDown: HOLD_DOWN_A,
    }),
  );
  await applyRegion(h, region(h, "eu-b", { endpoint: lbB, priority: 20, fallbacks: ["eu-a"] }));
  await applyRegion(
    h,
    region(h, "us-x", { endpoint: lbUS, dataRegion: "us", priority: 10, fallbacks: ["eu-a"] }),
  );
  for (const name of ["eu-a", "eu-b", "us-x"]) {
    await waitRegion(
      h,
      name,
      "Ready and Healthy",
      (r) => condition(r, "Ready")?.status === "True" && r.status?.health?.state === "Healthy",
    );
  }
  // Residency is in status before anything fails: us-x is never a candidate for eu-a.
  const a0 = await getRegion(h, "eu-a");
  assert.equal(condition(a0, "ResidencyCompliant")?.status, "False");
  assert.match(condition(a0, "ResidencyCompliant")?.message ?? "", /us-x/);
  // The table eu-a's gateways serve (from the operator's ConfigMap) lists eu-b healthy, not us-x.
  await waitFor("eu-a's gateways serve a table with eu-b healthy", 30_000, async () => {
    const tb = await tableAt(lbA).catch(() => undefined);
    return tb?.regions.some((r) => r.name === "eu-b" && r.healthy) === true;
  });
  const tableA = await tableAt(lbA);
  assert.deepEqual(
    tableA.regions.map((r) => r.name),
    ["eu-a", "eu-b"],
  );

  // A conversation, a writer and CLIENTS readers on eu-a.
  const token = await h.realm.token();
  const starter = new TestClient(lbA, token);
  await starter.opened;
  const first = await starter.request({ type: "send", content: "first", reply: false });
  const conversationId = String(first["conversationId"]);
  await starter.close();
  const home = { name: "eu-a", dataRegion: "eu" };
  const readers = Array.from(
    { length: CLIENTS },
    () => new RegionClient(lbA, home, token, conversationId),
  );
  const writer = new RegionClient(lbA, home, token, conversationId);
  t.after(() => {
    for (const c of [...readers, writer]) c.close();
  });
  await Promise.all([writer, ...readers].map((c) => c.start()));
  const accepted: number[] = [Number(first["seq"])];
  let writing = true;
  t.after(() => {
    writing = false;
  });
  let sent = 0;
  const writerDone = (async (): Promise<void> => {
    let id = randomUUID();
    while (writing) {
      const r = await writer.post(`message ${String(sent)}`, id).catch(() => undefined);
      if (r !== undefined) {
        id = randomUUID();
        // A duplicate is the answer to a retry whose first ack was lost: accepted all the same.
        if (!accepted.includes(r.seq)) accepted.push(r.seq);
        sent++;
      }
      // 150 ms keeps the writer under the per-user message rate limit (60 a minute) for the test.
      await new Promise((res) => setTimeout(res, r === undefined ? 250 : 150));
    }
  })();
  await new Promise((r) => setTimeout(r, 2000));

  // Kill every process of eu-a (SIGKILL, kept down: a lost zone).
  const killedAt = Date.now();
  const podsA = h.bridge.readyPods("eu-a-");
  assert.ok(podsA.length >= 1);
  for (const p of podsA) h.bridge.crash(p.name);
  const seenTargets = new Set<string>();
  const track = (r: ChatRegion): void => {
    if (r.status?.failover?.activeTarget !== undefined)
      seenTargets.add(r.status.failover.activeTarget);
  };
  const failed = await waitRegion(
    h,
    "eu-a",
    "Unhealthy with traffic on eu-b",
    (r) => {
      track(r);
      return r.status?.health?.state === "Unhealthy" && r.status.failover?.activeTarget === "eu-b";
    },
    30_000,
  );
  const decidedMs = Date.now() - killedAt;
  assert.equal(condition(failed, "FailoverActive")?.status, "True");
  assert.equal(failed.status?.phase, "FailedOver");
  // The table eu-b's gateways serve now says eu-a is down.
  await waitFor("eu-b's table marks eu-a unhealthy", 30_000, async () => {
    const tb = await tableAt(lbB).catch(() => undefined);
    return tb?.regions.some((r) => r.name === "eu-a" && !r.healthy) === true;
  });
  for (const c of [writer, ...readers]) {
    await waitFor("client moved to eu-b", 30_000, () => c.endpoint === lbB);
    await c.waitLive(30_000);
  }
  await new Promise((r) => setTimeout(r, 2000));
  writing = false;
  await writerDone;
  const head = Math.max(...accepted);
  await waitFor("every reader has the head", 15_000, () => readers.every((c) => c.lastSeq >= head));

  // 0 lost, 0 duplicated, per client; RTO per client.
  const rtos: number[] = [];
  for (const c of readers) {
    const { duplicated, missing } = c.check(head);
    assert.deepEqual(duplicated, [], "duplicated events");
    assert.deepEqual(missing, [], "lost events");
    const lastA = c.deliveries.filter((d) => d.endpoint === lbA).at(-1)?.at ?? killedAt;
    const firstB = c.deliveries.find((d) => d.endpoint === lbB)?.at;
    assert.ok(firstB !== undefined, "no delivery on eu-b");
    rtos.push(firstB - lastA);
  }
  // RPO: a fresh reader on eu-b gets every accepted message.
  const fresh = new RegionClient(lbB, { name: "eu-b", dataRegion: "eu" }, token, conversationId);
  t.after(() => {
    fresh.close();
  });
  await fresh.start();
  await waitFor("fresh reader has the head", 15_000, () => fresh.lastSeq >= head);
  const got = new Set(fresh.deliveries.map((d) => d.seq));
  const lost = accepted.filter((s) => !got.has(s));
  const rtoP99 = p99(rtos);
  // Why clients moved: "table" = a region's table said eu-a was unhealthy (operator -> ConfigMap ->
  // gateway -> client), "timeout" = the README's 10 s fallback rule.
  const why = readers.map((c) => c.switches.find((x) => x.to === "eu-b")?.why ?? "none");
  const viaTable = why.filter((w) => w === "table").length;
  t.diagnostic(
    `clients ${String(CLIENTS)}, accepted ${String(accepted.length)} (head ${String(head)}), operator decision ${String(decidedMs)} ms after the kill, RTO p99 ${String(rtoP99)} ms (max ${String(Math.max(...rtos))}), RPO ${String(lost.length)} messages, ${String(viaTable)}/${String(CLIENTS)} moved because a table said so (${why.join(",")})`,
  );
  assert.equal(lost.length, 0, "accepted messages lost");
  assert.ok(rtoP99 < 30_000, `RTO p99 ${String(rtoP99)} ms`);

  // eu-b dies too: eu-a has nowhere to go within eu, and us-x is still never chosen.
  for (const p of h.bridge.readyPods("eu-b-")) h.bridge.crash(p.name);
  const stranded = await waitRegion(
    h,
    "eu-a",
    "no fallback available",
    (r) => {
      track(r);
      return (
        r.status?.failover?.activeTarget === undefined &&
        condition(r, "FailoverActive")?.reason === "NoFallbackAvailable"
      );
    },
    30_000,
  );
  assert.match(condition(stranded, "FailoverActive")?.message ?? "", /us-x excluded/);
  const cm = await h.client.get<V1ConfigMap>(CONFIG_MAP, h.ns, "eu-a-regions");
  const published = JSON.parse(cm?.data?.["regions.json"] ?? "{}") as RegionsTable;
  assert.ok(
    !published.regions.some((r) => r.dataRegion !== "eu"),
    "eu-a's table lists another data region",
  );

  // Both come back. eu-b (hold-down 3 s) is healthy first and takes eu-a's traffic again; eu-a
  // stays Unhealthy for its own hold-down after its pod is ready again.
  for (const p of h.bridge
    .pods()
    .filter((x) => x.name.startsWith("eu-b-") || x.name.startsWith("eu-a-")))
    h.bridge.revive(p.name);
  await waitFor("eu-a's pod ready again", 30_000, () => h.bridge.readyPods("eu-a-").length >= 1);
  const readyAt = Date.now();
  await waitRegion(
    h,
    "eu-a",
    "traffic back on eu-b during the hold-down",
    (r) => {
      track(r);
      return r.status?.failover?.activeTarget === "eu-b";
    },
    30_000,
  );
  const during = await getRegion(h, "eu-a");
  if (Date.now() - readyAt < (HOLD_DOWN_A - 1) * 1000)
    assert.equal(during?.status?.health?.state, "Unhealthy");
  const healthy = await waitRegion(
    h,
    "eu-a",
    "Healthy after the hold-down",
    (r) => {
      track(r);
      return r.status?.health?.state === "Healthy";
    },
    60_000,
  );
  const heldMs = Date.now() - readyAt;
  t.diagnostic(
    `eu-a healthy again ${String(heldMs)} ms after its pod was ready (hold-down ${String(HOLD_DOWN_A)} s)`,
  );
  assert.ok(
    heldMs >= (HOLD_DOWN_A - 1) * 1000,
    `healthy after ${String(heldMs)} ms, before the hold-down`,
  );
  assert.equal(healthy.status?.failover?.activeTarget, undefined);
  assert.equal(condition(healthy, "FailoverActive")?.status, "False");
  assert.ok(!seenTargets.has("us-x"), "eu-a failed over to another data region");
  assert.deepEqual([...seenTargets], ["eu-b"]);
});
