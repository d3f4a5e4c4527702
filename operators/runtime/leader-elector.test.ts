// LeaderElector against a fake Lease endpoint with optimistic concurrency. Periods are short
// (tens of ms) and every assertion waits with a generous bound, so slow machines do not flake.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { KubeHttp } from "../clients/http.ts";
import { LeaderElector } from "./leader-election.ts";
import type { Lease } from "./leader-election.ts";
import { silentLogger } from "./logger.ts";
import { FakeApiServer, eventually, status } from "./testing/fake-apiserver.ts";
import type { RecordedRequest } from "./testing/fake-apiserver.ts";

const PATH = "/apis/coordination.k8s.io/v1/namespaces/ops/leases";

/** In-memory Lease storage with resourceVersion preconditions, like the API server. */
class LeaseStore {
  lease: Lease | undefined;
  rv = 0;
  fail = false;
  hang = false;
  writes: Lease[] = [];

  handle = (req: RecordedRequest) => {
    if (this.hang) return new Promise<undefined>(() => {}); // black-holed API server
    if (this.fail) return status(500, "InternalError");
    if (req.method === "GET" && req.path === `${PATH}/lock`)
      return this.lease ? { status: 200, body: this.lease } : undefined;
    if (req.method === "POST" && req.path === PATH) {
      if (this.lease) return status(409, "AlreadyExists");
      return { status: 201, body: this.#store(req.body as Lease) };
    }
    if (req.method === "PUT" && req.path === `${PATH}/lock`) {
      const body = req.body as Lease;
      if (body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
        return status(409, "Conflict");
      return { status: 200, body: this.#store(body) };
    }
    return undefined;
  };

  #store(l: Lease): Lease {
    this.rv++;
    this.lease = { ...l, metadata: { ...l.metadata, resourceVersion: String(this.rv) } };
    this.writes.push(this.lease);
    return this.lease;
  }
}

void describe("LeaderElector", () => {
  let api: FakeApiServer;
  let store: LeaseStore;
  const electors: LeaderElector[] = [];

  before(async () => {
    api = await new FakeApiServer().start();
  });
  after(async () => {
    for (const e of electors) await e.release();
    await api.close();
  });
  beforeEach(() => {
    api.reset();
    store = new LeaseStore();
    api.handler = store.handle;
  });

  function elector(
    identity: string,
    onLost: () => void = () => {},
    timing = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 30 },
  ) {
    const e = new LeaderElector({
      http: new KubeHttp(api.kubeConfig()),
      leaseName: "lock",
      leaseNamespace: "ops",
      identity,
      ...timing,
      logger: silentLogger(),
      onLost,
    });
    electors.push(e);
    return e;
  }

  void it("creates the Lease with MicroTime timestamps and renews it", async () => {
    const a = elector("a");
    assert.equal(await a.acquire(), true);
    assert.equal(a.isLeader(), true);
    const spec = store.lease?.spec;
    assert.equal(spec?.holderIdentity, "a");
    assert.equal(spec.leaseDurationSeconds, 1);
    assert.match(spec.renewTime ?? "", /\.\d{6}Z$/);
    const firstRenew = spec.renewTime;
    await eventually(() => store.lease?.spec?.renewTime !== firstRenew, 5000, "renewal");
    assert.equal(store.lease?.spec?.acquireTime, spec.acquireTime, "renew keeps acquireTime");
    await a.release();
  });

  void it("a standby waits while the holder renews and takes over at once after release", async () => {
    const a = elector("a");
    await a.acquire();
    const b = elector("b");
    let bLeader = false;
    void b.acquire().then((v) => {
      bLeader = v;
    });
    await new Promise((r) => setTimeout(r, 1500)); // > leaseDuration: a keeps renewing, so b must not take over
    assert.equal(bLeader, false);
    assert.equal(store.lease?.spec?.holderIdentity, "a");
    await a.release();
    assert.equal(a.isLeader(), false);
    await eventually(() => bLeader, 5000, "b to take over");
    assert.equal(store.lease.spec.holderIdentity, "b");
    assert.equal(
      store.lease.spec.leaseTransitions,
      0,
      "taking a released lease is not a transition",
    );
    await b.release();
  });

  void it("release sets an empty holder and a 1 s lease", async () => {
    const a = elector("a");
    await a.acquire();
    await a.release();
    assert.equal(store.lease?.spec?.holderIdentity, "");
    assert.equal(store.lease.spec.leaseDurationSeconds, 1);
  });

  void it("takes over an abandoned lease only after a full lease duration of no change", async () => {
    store.lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "lock", namespace: "ops", resourceVersion: "1" },
      spec: {
        holderIdentity: "dead",
        leaseDurationSeconds: 1,
        renewTime: "2026-11-27T10:00:00.000000Z",
        leaseTransitions: 4,
      },
    };
    store.rv = 1;
    const b = elector("b");
    const started = performance.now();
    assert.equal(await b.acquire(), true);
    const waited = performance.now() - started;
    assert.ok(
      waited >= 950,
      `took over after ${Math.round(waited)} ms, before the 1 s lease expired`,
    );
    assert.equal(store.lease.spec?.leaseTransitions, 5);
    await b.release();
  });

  void it("a leader whose lease is taken by another holder calls onLost", async () => {
    let lost = 0;
    const a = elector("a", () => {
      lost++;
    });
    await a.acquire();
    const l = store.lease!;
    store.lease = {
      ...l,
      spec: { ...l.spec, holderIdentity: "intruder" },
      metadata: { ...l.metadata, resourceVersion: String(++store.rv) },
    };
    await eventually(() => lost === 1, 5000, "onLost");
    assert.equal(a.isLeader(), false);
  });

  void it("a leader frozen past its renew deadline is no longer leader when it wakes, before any timer runs", async () => {
    let lost = 0;
    const a = elector("a", () => {
      lost++;
    });
    await a.acquire();
    assert.equal(a.stillLeader(), true);
    // A frozen process: the event loop does not turn for longer than renewDeadline (600 ms), so
    // no renew happens; the first thing that asks (a worker about to reconcile) must get false.
    const until = performance.now() + 700;
    while (performance.now() < until) {
      /* frozen */
    }
    assert.equal(a.stillLeader(), false);
    assert.equal(lost, 1, "onLost called once");
    assert.equal(a.isLeader(), false);
  });

  void it("a leader that cannot renew within renewDeadline calls onLost", async () => {
    let lostAt = 0;
    const a = elector("a", () => {
      lostAt = performance.now();
    });
    await a.acquire();
    const failedAt = performance.now();
    store.fail = true;
    await eventually(() => lostAt > 0, 5000, "onLost");
    assert.ok(lostAt - failedAt >= 500, "not before the renew deadline");
    assert.equal(a.isLeader(), false);
  });

  void it("a leader whose renew requests hang steps down at the renew deadline", async () => {
    let lostAt = 0;
    const a = elector(
      "a",
      () => {
        lostAt = performance.now();
      },
      { leaseDurationMs: 4000, renewDeadlineMs: 1500, retryPeriodMs: 30 },
    );
    await a.acquire();
    const hungAt = performance.now();
    store.hang = true;
    await eventually(() => lostAt > 0, 8000, "onLost despite hanging requests");
    const after = lostAt - hungAt;
    assert.ok(
      after >= 1400 && after < 4000,
      `stepped down after ${Math.round(after)} ms; lease duration is 4000 ms`,
    );
    store.hang = false;
  });

  void it("two contenders: exactly one wins", async () => {
    const a = elector("a");
    const b = elector("b");
    const results: string[] = [];
    void a.acquire().then((v) => {
      if (v) results.push("a");
    });
    void b.acquire().then((v) => {
      if (v) results.push("b");
    });
    await eventually(() => results.length === 1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(results.length, 1);
    assert.equal(store.lease?.spec?.holderIdentity, results[0]);
    await a.release();
    await b.release();
  });
});
