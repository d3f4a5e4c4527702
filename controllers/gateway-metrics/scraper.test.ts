// Tests of the scrape targets (ready pods behind the Service, its target port by name or number)
// and of the shared scrape round (single flight per interval; problems named; a failing process
// does not hide the others).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { GatewayScraper, selectorOf, targetsOf } from "./scraper.ts";

const svc = (targetPort: string | number | undefined): V1Service => ({
  metadata: { name: "inference-gateway", namespace: "sys" },
  spec: {
    selector: { "app.kubernetes.io/name": "inference-gateway" },
    ports: [{ port: 80, ...(targetPort === undefined ? {} : { targetPort }) }],
  },
});
const pod = (
  uid: string,
  ip: string | undefined,
  ready: boolean,
  extra: Partial<V1Pod["metadata"]> = {},
): V1Pod => ({
  metadata: { name: uid, uid, ...extra },
  spec: { containers: [{ name: "gateway", ports: [{ name: "http", containerPort: 8080 }] }] },
  status: {
    ...(ip === undefined ? {} : { podIP: ip }),
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  },
});

void test("targets: ready pods with an IP, the named or numbered target port, IPv6 in brackets", () => {
  const pods = [
    pod("a", "10.0.0.1", true),
    pod("b", "10.0.0.2", false),
    pod("c", undefined, true),
    pod("d", "10.0.0.4", true, { deletionTimestamp: new Date() }),
    pod("e", "fd00::5", true),
  ];
  assert.deepEqual(
    [...targetsOf(svc("http"), pods)],
    [
      ["a", "http://10.0.0.1:8080/metrics"],
      ["e", "http://[fd00::5]:8080/metrics"],
    ],
  );
  assert.equal(targetsOf(svc(9090), pods).get("a"), "http://10.0.0.1:9090/metrics");
  assert.equal(targetsOf(svc(undefined), pods).get("a"), "http://10.0.0.1:80/metrics");
  assert.equal(targetsOf(svc("grpc"), pods).size, 0, "no container port of that name");
  assert.equal(selectorOf(svc("http")), "app.kubernetes.io/name=inference-gateway");
  assert.equal(selectorOf({ spec: {} }), undefined);
});

const metrics = (ok: number, fail: number): string =>
  [
    `inference_gateway_upstream_attempts_total{backend="ns/m",kind="chat",outcome="success"} ${ok}`,
    `inference_gateway_upstream_attempts_total{backend="ns/m",kind="chat",outcome="retryable_error"} ${fail}`,
  ].join("\n");

void test("a round scrapes every ready pod once per interval and sums their windows", async () => {
  let t = 0;
  let fetches = 0;
  let lists = 0;
  const bodies = new Map<string, string[]>([
    ["http://10.0.0.1:8080/metrics", [metrics(10, 0), metrics(30, 10)]],
    ["http://10.0.0.2:8080/metrics", [metrics(5, 5), metrics(5, 5)]],
  ]);
  const scraper = new GatewayScraper(
    {
      get: <T>() => Promise.resolve(svc("http") as T),
      list: <T>() => {
        lists++;
        return Promise.resolve([pod("a", "10.0.0.1", true), pod("b", "10.0.0.2", true)] as T[]);
      },
    },
    {
      namespace: "sys",
      service: "inference-gateway",
      intervalMs: 1000,
      windowMs: 1000,
      now: () => t,
      fetch: (url) => {
        fetches++;
        const body = bodies.get(url instanceof Request ? url.url : url.toString())?.shift() ?? "";
        return Promise.resolve(new Response(body));
      },
    },
  );
  const [m1, again] = await Promise.all([scraper.current(), scraper.current()]);
  assert.equal(m1, again, "concurrent callers share one round");
  assert.equal(fetches, 2);
  assert.equal(m1.processes, 2);
  t = 500;
  assert.equal(await scraper.current(), m1, "within the interval: no new round");
  assert.equal(lists, 1);
  t = 1500;
  const m2 = await scraper.current();
  assert.equal(fetches, 4);
  const b = m2.window.backends.get("ns/m");
  // Pod a: +20 ok, +10 failed; pod b: nothing new.
  assert.equal(b?.requests, 30);
  assert.equal(b?.successRate, 20 / 30);
});

void test("problems are named: no Service, no ready pod, every scrape failing", async () => {
  const base = { namespace: "sys", service: "gw", intervalMs: 1, windowMs: 1000 };
  const none = new GatewayScraper(
    { get: () => Promise.resolve(undefined), list: () => Promise.resolve([]) },
    base,
  );
  assert.match((await none.current()).problem ?? "", /Service sys\/gw not found/);
  const idle = new GatewayScraper(
    {
      get: <T>() => Promise.resolve(svc("http") as T),
      list: <T>() => Promise.resolve([pod("a", "10.0.0.1", false)] as T[]),
    },
    base,
  );
  assert.match((await idle.current()).problem ?? "", /no ready pod behind Service sys\/gw/);
  const failing = new GatewayScraper(
    {
      get: <T>() => Promise.resolve(svc("http") as T),
      list: <T>() => Promise.resolve([pod("a", "10.0.0.1", true)] as T[]),
    },
    {
      ...base,
      fetch: () => Promise.resolve(new Response("nope", { status: 503 })),
    },
  );
  const m = await failing.current();
  assert.equal(m.processes, 0);
  assert.match(m.problem ?? "", /http:\/\/10\.0\.0\.1:8080\/metrics: HTTP 503/);
});
