// Tests of the typed Kubernetes client: discovery, server-side apply, status, finalizers and
// Events.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FakeApiServer, status } from "../runtime/testing/fake-apiserver.ts";
import type { RecordedRequest } from "../runtime/testing/fake-apiserver.ts";
import type { GroupVersionKind } from "../runtime/types.ts";
import { KubeApiError } from "./http.ts";
import { KubeClient } from "./kube.ts";

const MODEL: GroupVersionKind = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  plural: "aimodels",
  namespaced: true,
};
const DISCOVERY = {
  kind: "APIResourceList",
  groupVersion: "librechat.io/v1alpha1",
  resources: [
    { name: "aimodels", kind: "AIModel", namespaced: true },
    { name: "aimodels/status", kind: "AIModel", namespaced: true },
    { name: "tenants", kind: "Tenant", namespaced: false },
  ],
};
const model = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  metadata: { name: "m", namespace: "ns", resourceVersion: "7", uid: "u1", ...extra },
});

void describe("KubeClient", () => {
  let api: FakeApiServer;
  let client: KubeClient;
  let route: (req: RecordedRequest) => ReturnType<FakeApiServer["handler"]>;
  const warnings: string[] = [];

  before(async () => {
    api = await new FakeApiServer().start();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.reset();
    warnings.length = 0;
    client = new KubeClient(api.kubeConfig(), { logger: { warn: (_o, m) => warnings.push(m) } });
    route = () => undefined;
    api.handler = (req) =>
      req.path === "/apis/librechat.io/v1alpha1" ? { status: 200, body: DISCOVERY } : route(req);
  });

  void it("apply sends a server-side apply patch with fieldManager and force, without managedFields", async () => {
    route = (req) => ({ status: 200, body: { ...(req.body as object), applied: true } });
    const out = await client.apply(
      { ...model({ managedFields: [{ manager: "x" }] }), spec: { a: 1 } },
      { fieldManager: "aimodel" },
    );
    const req = api.calls("PATCH")[0]!;
    assert.equal(req.path, "/apis/librechat.io/v1alpha1/namespaces/ns/aimodels/m");
    assert.equal(req.headers["content-type"], "application/apply-patch+yaml");
    assert.equal(req.query.get("fieldManager"), "aimodel");
    assert.equal(req.query.get("force"), "true");
    assert.equal("managedFields" in (req.body as { metadata: object }).metadata, false);
    assert.equal((out as unknown as { applied: boolean }).applied, true);
    // discovery is cached
    await client.apply(model(), { fieldManager: "aimodel", force: false });
    assert.equal(
      api
        .calls("GET", "/apis/librechat.io/v1alpha1")
        .filter((r) => r.path === "/apis/librechat.io/v1alpha1").length,
      1,
    );
    assert.equal(api.calls("PATCH")[1]?.query.get("force"), "false");
  });

  void it("applyStatus targets /status and retries 409 conflicts", async () => {
    let n = 0;
    route = (req) =>
      req.path.endsWith("/status") && n++ < 2
        ? status(409, "Conflict")
        : { status: 200, body: req.body };
    await client.applyStatus({ ...model(), status: { ready: true } } as never, {
      fieldManager: "aimodel-status",
    });
    const reqs = api.calls("PATCH");
    assert.equal(reqs.length, 3);
    assert.equal(reqs[2]?.path, "/apis/librechat.io/v1alpha1/namespaces/ns/aimodels/m/status");
  });

  void it("applyStatus gives up after the retry budget", async () => {
    route = () => status(409, "Conflict");
    await assert.rejects(
      client.applyStatus(model(), { fieldManager: "x" }),
      (e) => e instanceof KubeApiError && e.code === 409,
    );
    assert.equal(api.calls("PATCH").length, 5);
  });

  void it("apply fails clearly for a kind the server does not serve", async () => {
    await assert.rejects(
      client.apply(
        { apiVersion: "librechat.io/v1alpha1", kind: "Nope", metadata: { name: "x" } },
        { fieldManager: "f" },
      ),
      /not found by discovery/,
    );
  });

  void it("get returns undefined on 404 and throws other errors", async () => {
    assert.equal(await client.get(MODEL, "ns", "missing"), undefined);
    route = () => status(403, "Forbidden");
    await assert.rejects(
      client.get(MODEL, "ns", "m"),
      (e) => e instanceof KubeApiError && e.code === 403 && e.reason === "Forbidden",
    );
  });

  void it("delete sends propagationPolicy and a uid precondition; 404 and uid mismatch → false", async () => {
    route = () => ({ status: 200, body: {} });
    assert.equal(
      await client.delete(MODEL, "ns", "m", {
        propagationPolicy: "Foreground",
        preconditionUid: "u1",
      }),
      true,
    );
    assert.deepEqual(api.calls("DELETE")[0]?.body, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Foreground",
      preconditions: { uid: "u1" },
    });
    route = () =>
      status(
        409,
        "Conflict",
        "Precondition failed: UID in precondition: u1, UID in object meta: u2",
      );
    assert.equal(await client.delete(MODEL, "ns", "m", { preconditionUid: "u1" }), false);
    route = () => undefined;
    assert.equal(await client.delete(MODEL, "ns", "m"), false);
  });

  void it("addFinalizer appends with a resourceVersion test and re-reads on a failed test", async () => {
    let patches = 0;
    route = (req) => {
      if (req.method === "PATCH")
        return patches++ === 0
          ? status(422, "Invalid", "testing value /metadata/resourceVersion failed")
          : { status: 200, body: {} };
      if (req.method === "GET")
        return {
          status: 200,
          body: model({ resourceVersion: "8", finalizers: ["other.io/keep"] }),
        };
      return undefined;
    };
    await client.addFinalizer(model(), "librechat.io/cleanup", "aimodel");
    const [first, second] = api.calls("PATCH");
    assert.equal(first?.headers["content-type"], "application/json-patch+json");
    assert.deepEqual(first.body, [
      { op: "test", path: "/metadata/resourceVersion", value: "7" },
      { op: "add", path: "/metadata/finalizers", value: ["librechat.io/cleanup"] },
    ]);
    assert.equal(first.query.get("fieldManager"), "aimodel");
    assert.deepEqual(second?.body, [
      { op: "test", path: "/metadata/resourceVersion", value: "8" },
      { op: "add", path: "/metadata/finalizers/-", value: "librechat.io/cleanup" },
    ]);
  });

  void it("addFinalizer is a no-op when present and refuses objects being deleted", async () => {
    await client.addFinalizer(model({ finalizers: ["f"] }), "f", "m");
    assert.equal(api.calls("PATCH").length, 0);
    await assert.rejects(
      client.addFinalizer(model({ deletionTimestamp: "2026-11-27T10:00:00Z" }), "f", "m"),
      /being deleted/,
    );
  });

  void it("removeFinalizer tests the exact element so other finalizers survive", async () => {
    let patches = 0;
    route = (req) => {
      if (req.method === "PATCH")
        return patches++ === 0 ? status(422, "Invalid") : { status: 200, body: {} };
      if (req.method === "GET")
        return { status: 200, body: model({ finalizers: ["a", "new", "mine"] }) };
      return undefined;
    };
    await client.removeFinalizer(model({ finalizers: ["a", "mine"] }), "mine");
    const [first, second] = api.calls("PATCH");
    assert.deepEqual(first?.body, [
      { op: "test", path: "/metadata/finalizers/1", value: "mine" },
      { op: "remove", path: "/metadata/finalizers/1" },
    ]);
    assert.deepEqual(second?.body, [
      { op: "test", path: "/metadata/finalizers/2", value: "mine" },
      { op: "remove", path: "/metadata/finalizers/2" },
    ]);
  });

  void it("removeFinalizer re-reads once when the given (cached) copy lacks the finalizer", async () => {
    route = (req) => {
      if (req.method === "GET")
        return { status: 200, body: model({ finalizers: ["other", "mine"] }) };
      return { status: 200, body: {} };
    };
    await client.removeFinalizer(model({ finalizers: ["other"] }), "mine");
    assert.deepEqual(api.calls("PATCH")[0]?.body, [
      { op: "test", path: "/metadata/finalizers/1", value: "mine" },
      { op: "remove", path: "/metadata/finalizers/1" },
    ]);
    api.requests.length = 0;
    route = (req) =>
      req.method === "GET"
        ? { status: 200, body: model({ finalizers: ["other"] }) }
        : { status: 500 };
    await client.removeFinalizer(model({}), "mine");
    assert.equal(api.calls("PATCH").length, 0, "absent in the live object too: nothing to do");
    assert.equal(api.calls("GET", "/apis/librechat.io/v1alpha1/namespaces").length, 1);
  });

  void it("removeFinalizer treats a vanished object as done", async () => {
    route = () => undefined; // 404 for PATCH
    await client.removeFinalizer(model({ finalizers: ["mine"] }), "mine");
    assert.equal(api.calls("PATCH").length, 1);
  });

  void it("event creates a core/v1 Event, then increments count for repeats", async () => {
    route = (req) => ({ status: req.method === "POST" ? 201 : 200, body: {} });
    const obj = model();
    await client.event(
      obj,
      { type: "Warning", reason: "ApplyFailed", message: "boom", action: "Apply" },
      "aimodel-controller",
    );
    await client.event(
      obj,
      { type: "Warning", reason: "ApplyFailed", message: "boom", action: "Apply" },
      "aimodel-controller",
    );
    await client.event(
      obj,
      { type: "Warning", reason: "ApplyFailed", message: "boom", action: "Apply" },
      "aimodel-controller",
    );
    const posts = api.calls("POST");
    assert.equal(posts.length, 1);
    const ev = posts[0]?.body as Record<string, unknown>;
    assert.equal(posts[0]?.path, "/api/v1/namespaces/ns/events");
    assert.deepEqual(ev["involvedObject"], {
      apiVersion: "librechat.io/v1alpha1",
      kind: "AIModel",
      name: "m",
      namespace: "ns",
      uid: "u1",
      resourceVersion: "7",
    });
    assert.equal(ev["reason"], "ApplyFailed");
    assert.equal(ev["type"], "Warning");
    assert.equal(ev["count"], 1);
    const patches = api.calls("PATCH");
    assert.equal(patches.length, 2);
    assert.equal(patches[0]?.headers["content-type"], "application/merge-patch+json");
    assert.equal(
      patches[0].path,
      `/api/v1/namespaces/ns/events/${(ev["metadata"] as { name: string }).name}`,
    );
    assert.equal((patches[1]?.body as { count: number }).count, 3);
    // a different message is a different event
    await client.event(
      obj,
      { type: "Warning", reason: "ApplyFailed", message: "other" },
      "aimodel-controller",
    );
    assert.equal(api.calls("POST").length, 2);
  });

  void it("event recreates an expired Event and never throws", async () => {
    route = (req) => (req.method === "POST" ? { status: 201, body: {} } : undefined);
    await client.event(model(), { type: "Normal", reason: "Created", message: "x" }, "c");
    await client.event(model(), { type: "Normal", reason: "Created", message: "x" }, "c"); // PATCH 404 → POST
    assert.equal(api.calls("POST").length, 2);
    route = () => status(500, "InternalError");
    await client.event(model(), { type: "Normal", reason: "Other", message: "y" }, "c");
    assert.equal(warnings.length, 1);
  });

  void it("events about cluster-scoped objects go to the default namespace", async () => {
    route = () => ({ status: 201, body: {} });
    await client.event(
      { apiVersion: "librechat.io/v1alpha1", kind: "Tenant", metadata: { name: "acme", uid: "t" } },
      { type: "Normal", reason: "Synced", message: "ok" },
      "tenant",
    );
    assert.equal(api.calls("POST")[0]?.path, "/api/v1/namespaces/default/events");
  });

  void it("list follows continue tokens in pages", async () => {
    route = (req) => {
      assert.equal(req.query.get("limit"), "2");
      if (req.query.get("continue") === "c1")
        return { status: 200, body: { metadata: { continue: "c2" }, items: [{ n: 3 }, { n: 4 }] } };
      if (req.query.get("continue") === "c2")
        return { status: 200, body: { metadata: {}, items: [{ n: 5 }] } };
      return { status: 200, body: { metadata: { continue: "c1" }, items: [{ n: 1 }, { n: 2 }] } };
    };
    const paged = new KubeClient(api.kubeConfig(), { listPageSize: 2 });
    const items = await paged.list<{ n: number }>(MODEL, "ns", { labelSelector: "a=b" });
    assert.deepEqual(
      items.map((i) => i.n),
      [1, 2, 3, 4, 5],
    );
    assert.equal(api.calls("GET", "/apis/librechat.io/v1alpha1/namespaces/ns/aimodels").length, 3);
    assert.ok(
      api
        .calls("GET", "/apis/librechat.io/v1alpha1/namespaces/ns/aimodels")
        .every((r) => r.query.get("labelSelector") === "a=b"),
    );
  });

  void it("shares a transport when given one", () => {
    const shared = new KubeClient(api.kubeConfig(), { http: client.http });
    assert.equal(shared.http, client.http);
  });

  void it("Event de-duplication memory expires after the window and is bounded in size", async () => {
    route = (req) => ({ status: req.method === "POST" ? 201 : 200, body: {} });
    let now = Date.parse("2026-11-27T10:00:00Z");
    const c = new KubeClient(api.kubeConfig(), { now: () => new Date(now) });
    for (let i = 0; i < 10; i++)
      await c.event(model(), { type: "Normal", reason: "R", message: `m${i}` }, "c");
    assert.equal(c.rememberedEvents(), 10);
    now += 11 * 60 * 1000; // past the 10-minute window: every entry is stale
    await c.event(model(), { type: "Normal", reason: "R", message: "fresh" }, "c");
    assert.equal(c.rememberedEvents(), 1, "stale entries are dropped when a new one is stored");
    // A repeat of an expired event creates a new Event rather than patching the old one.
    await c.event(model(), { type: "Normal", reason: "R", message: "m0" }, "c");
    assert.equal(api.calls("POST").length, 12);
    assert.equal(api.calls("PATCH").length, 0);
    for (let i = 0; i < 4200; i++) {
      now += 1;
      await c.event(model(), { type: "Normal", reason: "R", message: `bulk${i}` }, "c");
    }
    assert.equal(c.rememberedEvents(), 4096, "size-bounded");
  });
});
