// Tests of the manager: cache sync before workers, readiness, shutdown order.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { Manager } from "./manager.ts";
import { silentLogger } from "./logger.ts";
import { handleSignals } from "./shutdown.ts";
import { FakeApiServer, eventually } from "./testing/fake-apiserver.ts";
import type { GroupVersionKind } from "./types.ts";

const MODEL: GroupVersionKind = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  plural: "aimodels",
  namespaced: true,
};
const DEPLOY: GroupVersionKind = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
};
const SECRET: GroupVersionKind = {
  apiVersion: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};

void describe("Manager", () => {
  let api: FakeApiServer;
  let holdLists: boolean;
  let releaseLists: () => void;
  before(async () => {
    api = await new FakeApiServer().start();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.reset();
    holdLists = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    releaseLists = release;
    api.handler = async (req) => {
      if (holdLists) await gate;
      const items: Record<string, unknown[]> = {
        "/apis/librechat.io/v1alpha1/aimodels": [
          { metadata: { name: "m1", namespace: "ns", resourceVersion: "1" } },
        ],
        "/apis/apps/v1/deployments": [
          {
            metadata: {
              name: "m1-dep",
              namespace: "ns",
              resourceVersion: "2",
              ownerReferences: [
                {
                  apiVersion: "librechat.io/v1alpha1",
                  kind: "AIModel",
                  name: "m1",
                  uid: "u",
                  controller: true,
                },
              ],
            },
          },
        ],
        "/api/v1/secrets": [
          {
            metadata: {
              name: "creds",
              namespace: "ns",
              resourceVersion: "3",
              labels: { model: "m2" },
            },
          },
        ],
      };
      const list = items[req.path];
      if (req.method === "GET" && list !== undefined)
        return { status: 200, body: { metadata: { resourceVersion: "10" }, items: list } };
      return undefined;
    };
  });

  function newManager(extra: Partial<ConstructorParameters<typeof Manager>[0]> = {}) {
    return new Manager({
      kubeConfig: api.kubeConfig(),
      name: "test",
      logger: silentLogger(),
      metricsAddress: { port: 0 },
      healthAddress: { port: 0 },
      ...extra,
    });
  }

  void it("wires for/owns/watches to keys, serves readyz only after sync, and exposes metrics", async () => {
    const mgr = newManager();
    const keys: string[] = [];
    mgr.addController({
      name: "aimodel",
      for: MODEL,
      owns: [DEPLOY],
      watches: [
        { gvk: SECRET, map: (s) => [`${s.metadata?.namespace}/${s.metadata?.labels?.["model"]}`] },
      ],
      maxConcurrentReconciles: 2,
      reconcile: (key) => {
        keys.push(key);
        return Promise.resolve(undefined);
      },
    });
    const models = mgr.informer(MODEL);
    holdLists = true;
    const started = mgr.start();
    await eventually(() => mgr.healthUrl !== undefined);
    assert.equal((await fetch(`${mgr.healthUrl}/healthz`)).status, 200);
    const notReady = await fetch(`${mgr.healthUrl}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /\[-\]informer-sync: librechat.io\/v1alpha1, Kind=AIModel/);
    releaseLists();
    await started;
    assert.equal((await fetch(`${mgr.healthUrl}/readyz`)).status, 200);
    assert.equal(mgr.isLeader(), true);
    assert.equal(models.hasSynced(), true);
    assert.equal(models.get("ns/m1")?.metadata?.name, "m1");
    await eventually(() => keys.includes("ns/m1") && keys.includes("ns/m2"));
    const metrics = await (await fetch(`${mgr.metricsUrl}/metrics`)).text();
    assert.match(
      metrics,
      /controller_runtime_reconcile_total\{controller="aimodel",result="success"\} [1-9]/,
    );
    assert.match(metrics, /controller_runtime_max_concurrent_reconciles\{controller="aimodel"\} 2/);
    assert.match(metrics, /workqueue_adds_total\{name="aimodel"\} [1-9]/);
    assert.match(metrics, /workqueue_longest_running_processor_seconds\{name="aimodel"\} 0/);
    assert.match(metrics, /informer_synced\{gvk="apps\/v1, Kind=Deployment"\} 1/);
    assert.match(metrics, /controller_runtime_reconcile_time_seconds_bucket/);
    await mgr.stop();
    await eventually(() => api.watches.every((w) => w.closed), 5000, "watches closed on stop");
  });

  void it("shares one informer per GVK", () => {
    const mgr = newManager();
    assert.equal(mgr.informer(MODEL), mgr.informer({ ...MODEL }));
  });

  void it("rejects a duplicate controller name", () => {
    const mgr = newManager();
    const def = { name: "x", for: MODEL, reconcile: () => Promise.resolve(undefined) };
    mgr.addController(def);
    assert.throws(() => {
      mgr.addController(def);
    }, /duplicate/);
  });

  void it("start rejects when caches do not sync in time", async () => {
    holdLists = true;
    const mgr = newManager({ cacheSyncTimeoutMs: 100 });
    mgr.addController({ name: "x", for: MODEL, reconcile: () => Promise.resolve(undefined) });
    await assert.rejects(mgr.start(), /timed out waiting for cache sync/);
    releaseLists();
    await mgr.stop();
  });

  void it("with leader election: starts workers only as leader and releases the Lease on stop", async () => {
    let lease: Record<string, unknown> | undefined;
    const inner = api.handler;
    api.handler = async (req) => {
      if (req.path.startsWith("/apis/coordination.k8s.io/v1/namespaces/ops/leases")) {
        if (req.method === "GET") return lease ? { status: 200, body: lease } : undefined;
        lease = {
          ...(req.body as object),
          metadata: { name: "lock", namespace: "ops", resourceVersion: String(Math.random()) },
        };
        return { status: 200, body: lease };
      }
      return inner(req);
    };
    const mgr = newManager({
      leaderElection: {
        leaseName: "lock",
        leaseNamespace: "ops",
        identity: "me",
        retryPeriodMs: 20,
        renewDeadlineMs: 500,
        leaseDurationMs: 1000,
      },
    });
    const keys: string[] = [];
    mgr.addController({
      name: "x",
      for: MODEL,
      reconcile: (k) => {
        keys.push(k);
        return Promise.resolve(undefined);
      },
    });
    await mgr.start();
    assert.equal(mgr.isLeader(), true);
    await eventually(() => keys.length > 0);
    const metrics = await (await fetch(`${mgr.metricsUrl}/metrics`)).text();
    assert.match(metrics, /leader_election_master_status\{name="lock"\} 1/);
    await mgr.stop();
    assert.equal((lease?.["spec"] as { holderIdentity?: string }).holderIdentity, "");
    assert.equal(mgr.isLeader(), false);
  });

  void it("stop during leader-election wait resolves start without running workers", async () => {
    const inner = api.handler;
    api.handler = async (req) => {
      if (req.path.startsWith("/apis/coordination.k8s.io/")) {
        return {
          status: 200,
          body: {
            metadata: { name: "lock", namespace: "ops", resourceVersion: "1" },
            spec: { holderIdentity: "other", leaseDurationSeconds: 3600 },
          },
        };
      }
      return inner(req);
    };
    const mgr = newManager({
      leaderElection: { leaseName: "lock", leaseNamespace: "ops", retryPeriodMs: 20 },
    });
    let calls = 0;
    mgr.addController({
      name: "x",
      for: MODEL,
      reconcile: () => {
        calls++;
        return Promise.resolve(undefined);
      },
    });
    const started = mgr.start();
    await eventually(() => api.calls("GET", "/apis/coordination.k8s.io/").length > 1);
    assert.equal((await fetch(`${mgr.healthUrl}/readyz`)).status, 200, "a synced standby is ready");
    await mgr.stop();
    await started; // resolves: a graceful stop of a standby is not an error
    assert.equal(mgr.isStopping(), true);
    assert.equal(mgr.isLeader(), false);
    assert.equal(calls, 0);
  });
});

void describe("handleSignals", () => {
  void it("stops once on SIGTERM and exits 0; a second signal exits 1", async () => {
    const codes: number[] = [];
    let stops = 0;
    let finish!: () => void;
    const uninstall = handleSignals(
      {
        stop: () => {
          stops++;
          return new Promise<void>((r) => {
            finish = r;
          });
        },
      },
      {
        logger: (await import("./logger.ts")).silentLogger(),
        exit: (c) => codes.push(c),
        signals: ["SIGWINCH"],
      },
    );
    try {
      process.emit("SIGWINCH", "SIGWINCH");
      process.emit("SIGWINCH", "SIGWINCH");
      assert.deepEqual(codes, [1]);
      finish();
      await eventually(() => codes.length === 2);
      assert.deepEqual(codes, [1, 0]);
      assert.equal(stops, 1);
    } finally {
      uninstall();
    }
  });

  void it("exits 1 when stop fails", async () => {
    const codes: number[] = [];
    const uninstall = handleSignals(
      { stop: () => Promise.reject(new Error("nope")) },
      {
        logger: (await import("./logger.ts")).silentLogger(),
        exit: (c) => codes.push(c),
        signals: ["SIGWINCH"],
      },
    );
    try {
      process.emit("SIGWINCH", "SIGWINCH");
      await eventually(() => codes.length === 1);
      assert.deepEqual(codes, [1]);
    } finally {
      uninstall();
    }
  });
});
