// Connection-aware scaling, end to end: the fleet's pods run as real gateway processes (honest
// bridge); clients with real Keycloak tokens connect; the operator reads each gateway's own
// chat_gateway_connections gauge and sets replicas to hold targetConnectionsPerPod within
// [minReplicas, maxReplicas]. Scale-down sets controller.kubernetes.io/pod-deletion-cost from each
// pod's connection count, so the ReplicaSet controller removes the emptiest pods; their clients get
// the gateway's `reconnect` frame, come back through the region's endpoint and resume by seq with
// no event lost or duplicated. The recommendations are sampled throughout to check for flapping.
// The numbers: 2,000 connections at 500 a pod (2,476 at the peak), on a 2-core machine.
// ratio at 2.5x the count).
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import WebSocket from "ws";
import { DELETION_COST } from "../../../controllers/chatregion/reconcile.ts";
import { POD } from "../../../operators/runtime/core-kinds.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { TestClient } from "../chat-gateway/helpers/gateway.ts";
import { RegionClient } from "./client.ts";
import {
  applyRegion,
  getRegion,
  perFile,
  region,
  startLoadBalancer,
  userTokens,
  waitRegion,
} from "./harness.ts";

const h = perFile("scale");
/** Connections on the first pod; at TARGET a pod this needs 4 pods. */
const CONNECTIONS = 2000;
const TARGET = 500;
/** The gateway allows 32 connections per user per pod: 2,000 on one pod need at least 63 users. */
const USERS = 70;
/** Load placed by hand on the three new pods: raw sockets (B and C also carry 20 and 5 readers). */
const B_RAW = 130;
const C_RAW = 20;
const D_RAW = 300;
/** A keeps TARGET (+ the writer) after this many of its clients leave: 976 connections want 2 pods. */
const LEAVE = CONNECTIONS - TARGET;

/** Opens `n` WebSockets to `url`, users taken round-robin (the gateway caps connections per user per pod). */
async function openMany(url: string, tokens: string[], n: number): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, (_, j) => {
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${tokens[(i + j) % tokens.length] ?? ""}` },
      });
      ws.on("error", () => undefined);
      return new Promise<WebSocket>((resolve, reject) => {
        ws.once("open", () => {
          resolve(ws);
        });
        ws.once("unexpected-response", (_q, res) => {
          reject(new Error(`HTTP ${String(res.statusCode)}`));
        });
        ws.once("error", reject);
      });
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

function wsUrl(podUrl: string): string {
  return `ws://${new URL(podUrl).host}/v1/ws`;
}

test(`${String(CONNECTIONS)} connections at ${String(TARGET)} a pod -> 4 pods (max 4 holds), back down emptiest first, drained clients resume with 0 lost and 0 duplicated`, async (t) => {
  const lb = await startLoadBalancer(h, "scale");
  await applyRegion(
    h,
    region(h, "scale", {
      endpoint: lb,
      replicas: 1,
      minReplicas: 1,
      maxReplicas: 4,
      target: TARGET,
      stabilization: 3,
    }),
  );
  await waitRegion(
    h,
    "scale",
    "1 ready pod",
    (r) => r.status?.readyReplicas === 1 && r.status.health?.state === "Healthy",
  );
  const tokens = await userTokens(h, USERS);
  const token = await h.realm.token();
  const sockets: WebSocket[] = [];
  const clients: RegionClient[] = [];
  t.after(() => {
    for (const s of sockets) s.terminate();
    for (const c of clients) c.close();
  });

  // Every recommendation the operator publishes, to check it never flaps.
  const desired: number[] = [];
  let sampling = true;
  t.after(() => {
    sampling = false;
  });
  const sampler = (async (): Promise<void> => {
    while (sampling) {
      const d = (await getRegion(h, "scale").catch(() => undefined))?.status?.desiredReplicas;
      if (d !== undefined && desired.at(-1) !== d) desired.push(d);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();

  const podA = h.bridge.readyPods("scale-")[0];
  assert.ok(podA !== undefined);
  const upAt = Date.now();
  sockets.push(...(await openMany(wsUrl(podA.url), tokens, CONNECTIONS)));
  const opened = Date.now() - upAt;
  const up = await waitRegion(
    h,
    "scale",
    "4 ready pods",
    (r) => r.status?.desiredReplicas === 4 && r.status.readyReplicas === 4,
    120_000,
  );
  const scaledUpMs = Date.now() - upAt;
  assert.equal(up.status?.connections?.open, CONNECTIONS);

  // Place load by hand on the three new pods (as if the Service had sent clients there):
  // B 150 (20 of them readers that will be drained), C 25 (5 readers), D 300. 2,476 connections
  // want 5 pods: maxReplicas 4 holds.
  const others = h.bridge
    .readyPods("scale-")
    .filter((p) => p.name !== podA.name)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const [podB, podC, podD] = others;
  assert.ok(podB !== undefined && podC !== undefined && podD !== undefined);
  const starter = new TestClient(wsUrl(podA.url), token);
  await starter.opened;
  const first = await starter.request({ type: "send", content: "first", reply: false });
  const conversationId = String(first["conversationId"]);
  await starter.close();
  const home = { name: "scale", dataRegion: "eu" };
  const reader = (pod: typeof podA): RegionClient => {
    const c = new RegionClient(wsUrl(pod.url), home, token, conversationId);
    c.serviceEndpoint = lb;
    clients.push(c);
    return c;
  };
  const drained = [
    ...Array.from({ length: 20 }, () => reader(podB)),
    ...Array.from({ length: 5 }, () => reader(podC)),
  ];
  const writer = reader(podA);
  await Promise.all([writer, ...drained].map((c) => c.start()));
  sockets.push(...(await openMany(wsUrl(podB.url), tokens, B_RAW)));
  sockets.push(...(await openMany(wsUrl(podC.url), tokens, C_RAW)));
  sockets.push(...(await openMany(wsUrl(podD.url), tokens, D_RAW)));
  const total = CONNECTIONS + B_RAW + 20 + C_RAW + 5 + D_RAW + 1;
  const capped = await waitRegion(
    h,
    "scale",
    `${String(total)} connections`,
    (r) => r.status?.connections?.open === total,
    30_000,
  );
  assert.equal(capped.status?.desiredReplicas, 4, "maxReplicas is a bound");

  // A writer on A while the scale-down drains B and C.
  const accepted: number[] = [];
  let writing = true;
  t.after(() => {
    writing = false;
  });
  let n = 0;
  const writerDone = (async (): Promise<void> => {
    let id = randomUUID();
    while (writing) {
      const r = await writer.post(`m ${String(n)}`, id).catch(() => undefined);
      if (r !== undefined) {
        id = randomUUID();
        if (!accepted.includes(r.seq)) accepted.push(r.seq);
        n++;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  })();

  // Most of A's clients leave: 976 connections want 2 pods. The emptiest (C 25, B 150) must go.
  const downAt = Date.now();
  for (const s of sockets.splice(0, LEAVE)) s.terminate();
  await waitRegion(
    h,
    "scale",
    "2 pods",
    (r) => r.status?.desiredReplicas === 2 && r.status.replicas === 2,
    60_000,
  );
  await waitFor(
    "B and C gone from the node",
    60_000,
    () => !h.bridge.pods().some((p) => p.name === podB.name || p.name === podC.name),
  );
  const scaledDownMs = Date.now() - downAt;
  const left = h.bridge
    .pods()
    .map((p) => p.name)
    .sort();
  assert.deepEqual(left, [podA.name, podD.name].sort(), "the emptiest pods were removed");
  const costA = (await h.client.get<V1Pod>(POD, h.ns, podA.name))?.metadata?.annotations?.[
    DELETION_COST
  ];
  const costD = (await h.client.get<V1Pod>(POD, h.ns, podD.name))?.metadata?.annotations?.[
    DELETION_COST
  ];
  assert.ok(
    Number(costA) > Number(costD) && Number(costD) > B_RAW + 20,
    `deletion costs A=${String(costA)} D=${String(costD)}`,
  );

  // Drained clients were told to reconnect and resumed elsewhere.
  for (const c of drained) await c.waitLive(30_000);
  await new Promise((r) => setTimeout(r, 1000));
  writing = false;
  await writerDone;
  const head = Math.max(...accepted, Number(first["seq"]));
  await waitFor("drained readers have the head", 15_000, () =>
    drained.every((c) => c.lastSeq >= head),
  );
  for (const c of drained) {
    assert.ok(
      c.switches.some((s) => s.why === "reconnect"),
      "client was not drained with a reconnect frame",
    );
    const { duplicated, missing } = c.check(head);
    assert.deepEqual(duplicated, [], "duplicated events");
    assert.deepEqual(missing, [], "lost events");
  }

  // Everyone leaves: back to minReplicas.
  for (const s of sockets.splice(0)) s.terminate();
  for (const c of clients) c.close();
  await waitRegion(h, "scale", "1 pod", (r) => r.status?.desiredReplicas === 1, 60_000);
  sampling = false;
  await sampler;
  if (desired.at(-1) !== 1) desired.push(1);
  t.diagnostic(
    `opened ${String(CONNECTIONS)} in ${String(opened)} ms; 1 -> 4 pods in ${String(scaledUpMs)} ms; 4 -> 2 in ${String(scaledDownMs)} ms; ${String(drained.length)} drained readers resumed, ${String(accepted.length)} messages during the drain; desiredReplicas went ${desired.join(" -> ")}`,
  );
  // No flapping: up, then down, never up again.
  const turns = desired.slice(1).map((d, i) => Math.sign(d - (desired[i] ?? d)));
  const firstDown = turns.indexOf(-1);
  assert.ok(
    firstDown === -1 || turns.slice(firstDown).every((x) => x <= 0),
    `flapped: ${desired.join(" -> ")}`,
  );
});
