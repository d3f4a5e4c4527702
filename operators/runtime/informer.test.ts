// Tests of the shared informer against a fake API server: list/watch, resume, 410 relist, watchdog,
// transforms, indexes.
import assert from "node:assert/strict";
import { after, before, beforeEach, afterEach, describe, it } from "node:test";
import { KubeHttp } from "../clients/http.ts";
import { LAST_APPLIED_ANNOTATION, SharedInformer, stripManagedFields } from "./informer.ts";
import type { InformerOptions } from "./informer.ts";
import { byLabel } from "./indexer.ts";
import { silentLogger } from "./logger.ts";
import { FakeApiServer, eventually, status } from "./testing/fake-apiserver.ts";
import type { GroupVersionKind, KubernetesObject } from "./types.ts";

const CM: GroupVersionKind = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};
const cm = (name: string, rv: string, data: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name,
    namespace: "ns",
    resourceVersion: rv,
    creationTimestamp: "2026-11-27T10:00:00Z",
  },
  data,
});
/** List items come without apiVersion/kind, like from a real API server. */
const listItem = (name: string, rv: string) => {
  const { apiVersion: _a, kind: _k, ...rest } = cm(name, rv);
  return rest;
};

interface Recorded {
  events: string[];
}

function record(inf: SharedInformer): Recorded {
  const r: Recorded = { events: [] };
  inf.addHandlers({
    onAdd: (o) => r.events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    onUpdate: (o, n) =>
      r.events.push(
        `update ${n.metadata?.name}@${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`,
      ),
    onDelete: (o) => r.events.push(`delete ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
  });
  return r;
}

void describe("SharedInformer against a fake API server", () => {
  let api: FakeApiServer;
  let inf: SharedInformer | undefined;
  let listReplies: { rv: string; items: unknown[] }[];

  before(async () => {
    api = await new FakeApiServer().start();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.reset();
    listReplies = [{ rv: "10", items: [listItem("a", "5"), listItem("b", "6")] }];
    api.handler = (req) => {
      if (req.method === "GET" && req.path.endsWith("/configmaps")) {
        const next = listReplies.length > 1 ? listReplies.shift()! : listReplies[0]!;
        return {
          status: 200,
          body: {
            kind: "ConfigMapList",
            apiVersion: "v1",
            metadata: { resourceVersion: next.rv },
            items: next.items,
          },
        };
      }
      return undefined;
    };
  });
  afterEach(async () => {
    await inf?.stop();
    inf = undefined;
    api.reset();
  });

  function newInformer(extra: Partial<InformerOptions> = {}): SharedInformer {
    inf = new SharedInformer({
      http: new KubeHttp(api.kubeConfig()),
      gvk: CM,
      logger: silentLogger(),
      backoff: { initialMs: 5, maxMs: 20 },
      ...extra,
    });
    return inf;
  }

  void it("lists, fills apiVersion/kind, keeps timestamps as strings and reports synced", async () => {
    const i = newInformer();
    const r = record(i);
    assert.equal(i.hasSynced(), false);
    i.start();
    assert.equal(await i.waitForSync(5000), true);
    assert.deepEqual(r.events.sort(), ["add a@5", "add b@6"]);
    const a = i.get("ns/a");
    assert.equal(a?.kind, "ConfigMap");
    assert.equal(a.apiVersion, "v1");
    assert.equal(typeof a.metadata?.creationTimestamp, "string");
    assert.equal(i.list("ns").length, 2);
    assert.equal(i.list("other").length, 0);
    assert.ok(Object.isFrozen(a.metadata), "cached objects are frozen");
  });

  void it("watches from the list resourceVersion with bookmarks and a timeout in [300, 600]", async () => {
    const i = newInformer();
    i.start();
    const w = await api.watch(0);
    assert.equal(w.request.query.get("resourceVersion"), "10");
    assert.equal(w.request.query.get("allowWatchBookmarks"), "true");
    const t = Number(w.request.query.get("timeoutSeconds"));
    assert.ok(t >= 300 && t <= 600, `timeoutSeconds ${t}`);
    assert.equal(w.request.headers.authorization, "Bearer test-token");
  });

  void it("keeps a label index current through list, watch updates and deletes", async () => {
    listReplies = [
      {
        rv: "10",
        items: [
          {
            ...listItem("a", "5"),
            metadata: { name: "a", namespace: "ns", resourceVersion: "5", labels: { t: "acme" } },
          },
          listItem("b", "6"),
        ],
      },
    ];
    const i = newInformer();
    i.addIndex("label:t", byLabel("t"));
    i.start();
    assert.equal(await i.waitForSync(5000), true);
    assert.deepEqual(
      i.byIndex("label:t", "acme").map((o) => o.metadata?.name),
      ["a"],
    );
    const w = await api.watch(0);
    w.send("MODIFIED", {
      ...cm("b", "11"),
      metadata: { name: "b", namespace: "ns", resourceVersion: "11", labels: { t: "acme" } },
    });
    w.send("MODIFIED", {
      ...cm("a", "12"),
      metadata: { name: "a", namespace: "ns", resourceVersion: "12", labels: { t: "globex" } },
    });
    await eventually(() => i.byIndex("label:t", "globex").length === 1);
    assert.deepEqual(
      i.byIndex("label:t", "acme").map((o) => o.metadata?.name),
      ["b"],
    );
    w.send("DELETED", {
      ...cm("b", "13"),
      metadata: { name: "b", namespace: "ns", resourceVersion: "13", labels: { t: "acme" } },
    });
    await eventually(() => i.byIndex("label:t", "acme").length === 0);
  });

  void it("applies ADDED/MODIFIED/DELETED to the cache and handlers", async () => {
    const i = newInformer();
    const r = record(i);
    i.start();
    const w = await api.watch(0);
    w.send("ADDED", cm("c", "11"));
    w.send("MODIFIED", cm("a", "12", { k: "v" }));
    w.send("DELETED", cm("b", "13"));
    await eventually(() => i.resourceVersion() === "13", 5000, "rv 13");
    assert.deepEqual(r.events.slice(2), ["add c@11", "update a@5->12", "delete b@13"]);
    assert.deepEqual(
      i
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
      ["a", "c"],
    );
    assert.deepEqual((i.get("ns/a") as KubernetesObject & { data?: unknown }).data, { k: "v" });
  });

  void it("a bookmark advances the resourceVersion; a clean end resumes the watch from it without relisting", async () => {
    const i = newInformer();
    i.start();
    const w0 = await api.watch(0);
    w0.send("BOOKMARK", {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { resourceVersion: "50" },
    });
    await eventually(() => i.resourceVersion() === "50");
    w0.end();
    const w1 = await api.watch(1);
    assert.equal(w1.request.query.get("resourceVersion"), "50");
    assert.equal(api.calls("GET", "/api/v1/configmaps").length, 1, "no relist after a clean end");
  });

  void it("410 Gone as a watch ERROR event relists and emits synthetic deletes for vanished objects", async () => {
    listReplies = [
      { rv: "10", items: [listItem("a", "5"), listItem("b", "6")] },
      { rv: "99", items: [listItem("a", "5"), listItem("c", "90")] },
    ];
    const i = newInformer();
    const r = record(i);
    i.start();
    const w0 = await api.watch(0);
    w0.send("ERROR", {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: 410,
      reason: "Expired",
      message: "too old resource version: 10 (50)",
    });
    const w1 = await api.watch(1);
    assert.equal(w1.request.query.get("resourceVersion"), "99");
    assert.equal(api.calls("GET", "/api/v1/configmaps").length, 2);
    // a unchanged → no event; b gone → synthetic delete with last known state; c new → add
    assert.deepEqual(r.events.slice(2).sort(), ["add c@90", "delete b@6"]);
    assert.equal(i.get("ns/b"), undefined);
  });

  void it("repeated 410s right after a relist back off instead of storming the API server", async () => {
    api.watchFailures = Array.from({ length: 4 }, () => status(410, "Gone"));
    const i = newInformer({ backoff: { initialMs: 100, maxMs: 100, jitter: 0 } });
    i.start();
    const started = performance.now();
    await api.watch(0);
    const elapsed = performance.now() - started;
    assert.equal(api.calls("GET", "/api/v1/configmaps").length, 5, "one relist per 410");
    assert.ok(
      elapsed >= 350,
      `4 back-to-back 410s must wait ~4 × 100 ms, took ${Math.round(elapsed)} ms`,
    );
  });

  void it("410 Gone as an HTTP status on the watch request also relists", async () => {
    api.watchFailures = [status(410, "Gone")];
    listReplies = [
      { rv: "10", items: [listItem("a", "5")] },
      { rv: "20", items: [listItem("a", "15")] },
    ];
    const i = newInformer();
    const r = record(i);
    i.start();
    const w = await api.watch(0); // first watch attempt failed with 410, this is after the relist
    assert.equal(w.request.query.get("resourceVersion"), "20");
    assert.deepEqual(r.events, ["add a@5", "update a@5->15"]);
  });

  void it("a silent watch is aborted by the watchdog and resumed from the last resourceVersion", async () => {
    const restarts: string[] = [];
    const i = newInformer({
      inactivityTimeoutMs: 150,
      metrics: { relisted: () => {}, restarted: (_g, reason) => restarts.push(reason) },
    });
    i.start();
    const w0 = await api.watch(0);
    w0.send("MODIFIED", cm("a", "12"));
    await w0.waitClosed(); // client gave up on the silent stream
    const w1 = await api.watch(1);
    assert.equal(w1.request.query.get("resourceVersion"), "12");
    assert.ok(restarts.includes("inactive"), `restarts: ${restarts.join(",")}`);
    assert.equal(
      api.calls("GET", "/api/v1/configmaps").length,
      1,
      "inactivity does not force a relist",
    );
  });

  void it("events keep the watchdog from firing", async () => {
    const i = newInformer({ inactivityTimeoutMs: 1000 });
    i.start();
    const w0 = await api.watch(0);
    for (let n = 0; n < 15; n++) {
      await new Promise((r) => setTimeout(r, 100));
      w0.send("BOOKMARK", { metadata: { resourceVersion: String(100 + n) } });
    }
    assert.equal(w0.closed, false, "an active stream must not be aborted");
    assert.equal(api.watches.length, 1);
  });

  void it("a connection killed mid-stream (apiserver restart) reconnects from the last resourceVersion", async () => {
    const i = newInformer();
    const r = record(i);
    i.start();
    const w0 = await api.watch(0);
    w0.send("MODIFIED", cm("a", "12"));
    await eventually(() => i.resourceVersion() === "12");
    w0.destroy();
    const w1 = await api.watch(1);
    assert.equal(w1.request.query.get("resourceVersion"), "12");
    w1.send("MODIFIED", cm("a", "13"));
    await eventually(() => i.resourceVersion() === "13");
    assert.deepEqual(r.events.slice(2), ["update a@5->12", "update a@12->13"]);
    assert.equal(api.calls("GET", "/api/v1/configmaps").length, 1);
  });

  void it("retries a failing list with backoff until it succeeds (e.g. apiserver restarting)", async () => {
    let failures = 3;
    const inner = api.handler;
    api.handler = (req) => (failures-- > 0 ? status(503, "ServiceUnavailable") : inner(req));
    const i = newInformer();
    i.start();
    assert.equal(await i.waitForSync(5000), true);
    assert.equal(api.calls("GET", "/api/v1/configmaps").length, 4);
  });

  void it("a throwing handler does not break the watch loop", async () => {
    const i = newInformer();
    const seen: string[] = [];
    i.addHandlers({
      onAdd: () => {
        throw new Error("boom");
      },
    });
    i.addHandlers({ onAdd: (o) => seen.push(o.metadata?.name ?? "") });
    i.start();
    const w = await api.watch(0);
    w.send("ADDED", cm("x", "20"));
    await eventually(() => seen.includes("x"));
    assert.ok(i.get("ns/x"));
  });

  void it("ignores undecodable lines", async () => {
    const i = newInformer();
    i.start();
    const w = await api.watch(0);
    w.sendRaw('this is not json\n{"type":\n');
    w.sendRaw("\n");
    w.send("ADDED", cm("y", "21"));
    await eventually(() => i.get("ns/y") !== undefined);
    assert.equal(w.closed, false);
  });

  void it("watches only the configured namespace", async () => {
    const inner = api.handler;
    api.handler = (req) =>
      req.path === "/api/v1/namespaces/team-a/configmaps"
        ? inner({ ...req, path: "/api/v1/configmaps" })
        : undefined;
    const i = newInformer({ namespace: "team-a" });
    i.start();
    const w = await api.watch(0);
    assert.equal(w.request.path, "/api/v1/namespaces/team-a/configmaps");
    assert.ok(i.hasSynced());
  });

  void it("follows list pagination with continue tokens", async () => {
    api.handler = (req) => {
      if (req.query.get("continue") === "tok") {
        return {
          status: 200,
          body: { metadata: { resourceVersion: "30" }, items: [listItem("p2", "29")] },
        };
      }
      assert.equal(req.query.get("limit"), "500");
      return {
        status: 200,
        body: {
          metadata: { resourceVersion: "30", continue: "tok" },
          items: [listItem("p1", "28")],
        },
      };
    };
    const i = newInformer();
    i.start();
    assert.equal(await i.waitForSync(5000), true);
    assert.deepEqual(
      i
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
      ["p1", "p2"],
    );
    const w = await api.watch(0);
    assert.equal(w.request.query.get("resourceVersion"), "30");
  });

  void it("addHandlers after sync replays the cache as adds", async () => {
    const i = newInformer();
    i.start();
    await i.waitForSync(5000);
    const r = record(i);
    assert.deepEqual(r.events.sort(), ["add a@5", "add b@6"]);
  });

  void it("stop ends an open watch promptly", async () => {
    const i = newInformer();
    i.start();
    const w = await api.watch(0);
    await i.stop();
    await w.waitClosed();
    assert.equal(w.closed, true);
  });

  void it("strips managedFields and the last-applied annotation from cached objects by default", async () => {
    const heavy = (name: string, rv: string, annotations: Record<string, string>) => ({
      ...cm(name, rv),
      metadata: {
        ...cm(name, rv).metadata,
        managedFields: [{ manager: "kubectl", operation: "Apply" }],
        annotations,
      },
    });
    listReplies = [
      { rv: "10", items: [heavy("a", "5", { [LAST_APPLIED_ANNOTATION]: "{}", keep: "1" })] },
    ];
    const i = newInformer();
    const seen: KubernetesObject[] = [];
    i.addHandlers({ onAdd: (o) => seen.push(o), onUpdate: (_o, n) => seen.push(n) });
    i.start();
    const w = await api.watch(0);
    w.send("MODIFIED", heavy("a", "11", { [LAST_APPLIED_ANNOTATION]: "{}" }));
    w.send("ADDED", heavy("b", "12", { other: "x" }));
    await eventually(() => i.resourceVersion() === "12", 5000, "rv 12");
    const a = i.get("ns/a");
    const b = i.get("ns/b");
    assert.equal(a?.metadata?.managedFields, undefined);
    assert.equal(a?.metadata?.annotations, undefined, "an annotation map left empty is dropped");
    assert.deepEqual(b?.metadata?.annotations, { other: "x" });
    assert.equal(b?.metadata?.managedFields, undefined);
    assert.equal(
      seen[0]?.metadata?.managedFields,
      undefined,
      "handlers get the transformed object",
    );
    assert.deepEqual(seen[0]?.metadata?.annotations, { keep: "1" });
    assert.equal(seen.at(-1), b, "handlers get the cached instance, not a copy");
  });

  void it("transform: null caches objects as sent; a custom transform replaces the default", async () => {
    const withMf = {
      ...listItem("a", "5"),
      metadata: { ...listItem("a", "5").metadata, managedFields: [{ manager: "m" }] },
    };
    listReplies = [{ rv: "10", items: [withMf] }];
    const raw = newInformer({ transform: null });
    raw.start();
    await raw.waitForSync(5000);
    assert.deepEqual(raw.get("ns/a")?.metadata?.managedFields, [{ manager: "m" }]);
    await raw.stop();
    const custom = newInformer({
      transform: (o) => ({ ...o, metadata: { ...o.metadata, labels: { t: "1" } } }),
    });
    custom.start();
    await custom.waitForSync(5000);
    assert.deepEqual(custom.get("ns/a")?.metadata?.labels, { t: "1" });
    assert.ok(Object.isFrozen(custom.get("ns/a")?.metadata), "transformed objects are frozen too");
  });

  void it("reassembles watch events split across chunks and several events in one chunk", async () => {
    const i = newInformer();
    i.start();
    const w = await api.watch(0);
    const line = (name: string, rv: string): string =>
      JSON.stringify({ type: "ADDED", object: cm(name, rv) }) + "\n";
    const two = line("s1", "20") + line("s2", "21");
    const cut = Math.floor(two.length / 3);
    w.sendRaw(two.slice(0, cut));
    await new Promise((r) => setTimeout(r, 20));
    w.sendRaw(two.slice(cut, cut + 5));
    await new Promise((r) => setTimeout(r, 20));
    w.sendRaw(two.slice(cut + 5) + "\r\n" + line("s3", "22").slice(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    w.sendRaw(line("s3", "22").slice(10));
    await eventually(() => i.resourceVersion() === "22", 5000, "rv 22");
    assert.deepEqual(
      ["s1", "s2", "s3"].map((n) => i.get(`ns/${n}`)?.metadata?.resourceVersion),
      ["20", "21", "22"],
    );
    assert.equal(w.closed, false);
  });
});

void describe("stripManagedFields", () => {
  void it("returns objects without managedFields or last-applied unchanged (no copy)", () => {
    const o = { metadata: { name: "x", annotations: { a: "1" } } };
    assert.equal(stripManagedFields(o), o);
    const bare = { kind: "X" };
    assert.equal(stripManagedFields(bare), bare);
  });

  void it("copies only what it changes and keeps other metadata", () => {
    const labels = { l: "1" };
    const o = {
      kind: "X",
      spec: { a: 1 },
      metadata: {
        name: "x",
        labels,
        managedFields: [{}],
        annotations: { [LAST_APPLIED_ANNOTATION]: "{}", b: "2" },
      },
    };
    const out = stripManagedFields(o) as typeof o;
    assert.deepEqual(out, {
      kind: "X",
      spec: { a: 1 },
      metadata: { name: "x", labels, annotations: { b: "2" } },
    });
    assert.equal(out.spec, o.spec);
    assert.equal(out.metadata.labels, labels);
    assert.equal(o.metadata.managedFields.length, 1, "input untouched");
  });
});
