// Tests of the controller: event-to-key mapping (owners, watches), reconcile outcomes and queue
// behaviour.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { FakeClock } from "./clock.ts";
import { Controller, ownerKeys } from "./controller.ts";
import { ReturnEarly, TerminalError } from "./errors.ts";
import { silentLogger } from "./logger.ts";
import { RuntimeMetrics } from "./metrics.ts";
import { ItemExponentialFailureRateLimiter } from "./ratelimiter.ts";
import { eventually } from "./testing/fake-apiserver.ts";
import type {
  ControllerDefinition,
  GroupVersionKind,
  KubernetesObject,
  ReconcileResult,
} from "./types.ts";

/** Simulates the I/O a reconcile awaits. */
const tick = () => new Promise<void>((r) => setImmediate(r));
const MODEL: GroupVersionKind = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  plural: "aimodels",
  namespaced: true,
};
const TENANT: GroupVersionKind = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "Tenant",
  plural: "tenants",
  namespaced: false,
};

function setup(reconcile: ControllerDefinition["reconcile"], workers = 1) {
  const metrics = new RuntimeMetrics(new Registry(), { defaultMetrics: false });
  const clock = new FakeClock();
  const c = new Controller(
    { name: "test", for: MODEL, maxConcurrentReconciles: workers, reconcile },
    {
      logger: silentLogger(),
      metrics,
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000),
    },
  );
  const total = async (result: string): Promise<number> =>
    (await metrics.reconcileTotal.get()).values.find((v) => v.labels["result"] === result)?.value ??
    0;
  return { c, metrics, clock, total };
}

void describe("ownerKeys", () => {
  const child = (refs: KubernetesObject["metadata"]) => ({
    metadata: { namespace: "ns", ...refs },
  });
  const cases: { name: string; obj: KubernetesObject; owner: GroupVersionKind; want: string[] }[] =
    [
      {
        name: "controller owner of the primary kind",
        obj: child({
          ownerReferences: [
            {
              apiVersion: "librechat.io/v1alpha1",
              kind: "AIModel",
              name: "m",
              uid: "1",
              controller: true,
            },
          ],
        }),
        owner: MODEL,
        want: ["ns/m"],
      },
      {
        name: "a different version of the same group matches",
        obj: child({
          ownerReferences: [
            {
              apiVersion: "librechat.io/v1beta1",
              kind: "AIModel",
              name: "m",
              uid: "1",
              controller: true,
            },
          ],
        }),
        owner: MODEL,
        want: ["ns/m"],
      },
      {
        name: "non-controller owner is ignored",
        obj: child({
          ownerReferences: [
            { apiVersion: "librechat.io/v1alpha1", kind: "AIModel", name: "m", uid: "1" },
          ],
        }),
        owner: MODEL,
        want: [],
      },
      {
        name: "same kind in another group is ignored",
        obj: child({
          ownerReferences: [
            { apiVersion: "other.io/v1", kind: "AIModel", name: "m", uid: "1", controller: true },
          ],
        }),
        owner: MODEL,
        want: [],
      },
      {
        name: "cluster-scoped owner yields a name-only key",
        obj: child({
          ownerReferences: [
            {
              apiVersion: "librechat.io/v1alpha1",
              kind: "Tenant",
              name: "acme",
              uid: "1",
              controller: true,
            },
          ],
        }),
        owner: TENANT,
        want: ["acme"],
      },
      { name: "no owner references", obj: child({}), owner: MODEL, want: [] },
    ];
  for (const c of cases)
    void it(c.name, () => {
      assert.deepEqual(ownerKeys(c.obj, c.owner), c.want);
    });
});

void describe("Controller", () => {
  void it("success forgets the key and counts result=success", async () => {
    const keys: string[] = [];
    const { c, total } = setup(async (key) => {
      await tick();
      keys.push(key);
      return undefined;
    });
    c.start();
    c.queue.add("ns/a");
    await eventually(() => keys.length === 1);
    await eventually(() => c.queue.processingCount() === 0);
    assert.equal(await total("success"), 1);
    assert.equal(c.queue.numRequeues("ns/a"), 0);
    await c.stop(1000);
  });

  void it("a key is not reconciled when mayReconcile says no (lapsed leadership); the controller stops taking work", async () => {
    let allowed = true;
    const keys: string[] = [];
    const metrics = new RuntimeMetrics(new Registry(), { defaultMetrics: false });
    const c = new Controller(
      {
        name: "gated",
        for: MODEL,
        maxConcurrentReconciles: 1,
        reconcile: async (key) => {
          await tick();
          keys.push(key);
          return undefined;
        },
      },
      { logger: silentLogger(), metrics, clock: new FakeClock(), mayReconcile: () => allowed },
    );
    c.start();
    c.queue.add("ns/a");
    await eventually(() => keys.length === 1);
    allowed = false;
    c.queue.add("ns/b");
    await eventually(() => c.queue.shuttingDown());
    assert.deepEqual(keys, ["ns/a"], "ns/b was never reconciled");
    await c.stop(1000);
  });

  void it("an error requeues with backoff and counts errors", async () => {
    let calls = 0;
    const { c, clock, total, metrics } = setup(async () => {
      await tick();
      calls++;
      if (calls < 3) throw new Error("transient");
      return {};
    });
    c.start();
    c.queue.add("ns/a");
    await eventually(() => calls === 1);
    await eventually(() => c.queue.waitingCount() === 1);
    assert.equal(c.queue.numRequeues("ns/a"), 1);
    clock.advance(5);
    await eventually(() => calls === 2);
    await eventually(() => c.queue.waitingCount() === 1);
    clock.advance(9);
    assert.equal(c.queue.len(), 0, "second retry waits 10 ms");
    clock.advance(1);
    await eventually(() => calls === 3);
    await eventually(() => c.queue.processingCount() === 0);
    assert.equal(await total("error"), 2);
    assert.equal(await total("success"), 1);
    assert.equal((await metrics.reconcileErrors.get()).values[0]?.value, 2);
    assert.equal(c.queue.numRequeues("ns/a"), 0, "success forgets the backoff");
    await c.stop(1000);
  });

  void it("a TerminalError (also as a cause) is not retried", async () => {
    let calls = 0;
    const { c, metrics } = setup(async () => {
      await tick();
      calls++;
      throw new Error("reconciling spec", { cause: new TerminalError("invalid spec") });
    });
    c.start();
    c.queue.add("ns/a");
    await eventually(() => calls === 1);
    await eventually(() => c.queue.processingCount() === 0);
    assert.equal(c.queue.waitingCount(), 0);
    assert.equal((await metrics.terminalErrors.get()).values[0]?.value, 1);
    await c.stop(1000);
  });

  void it("ReturnEarly counts as success", async () => {
    const { c, total } = setup(async () => {
      await tick();
      throw new ReturnEarly();
    });
    c.start();
    c.queue.add("ns/a");
    await eventually(() => c.queue.processingCount() === 0 && c.queue.len() === 0);
    assert.equal(await total("success"), 1);
    assert.equal(c.queue.waitingCount(), 0);
    await c.stop(1000);
  });

  void it("requeueAfterMs schedules the key and counts requeue_after; requeue uses the rate limiter", async () => {
    const results: ReconcileResult[] = [{ requeueAfterMs: 30_000 }, { requeue: true }, {}];
    let calls = 0;
    const { c, clock, total } = setup(() => Promise.resolve(results[calls++]));
    c.start();
    c.queue.add("ns/a");
    await eventually(() => calls === 1 && c.queue.waitingCount() === 1);
    clock.advance(29_999);
    assert.equal(calls, 1);
    clock.advance(1);
    await eventually(() => calls === 2 && c.queue.waitingCount() === 1);
    clock.advance(5);
    await eventually(() => calls === 3);
    await eventually(() => c.queue.processingCount() === 0);
    assert.equal(await total("requeue_after"), 1);
    assert.equal(await total("requeue"), 1);
    await c.stop(1000);
  });

  void it("never runs one key in two workers at once, but runs different keys in parallel", async () => {
    const active = new Map<string, number>();
    let maxSame = 0;
    let maxParallel = 0;
    let done = 0;
    const { c } = setup(async (key) => {
      active.set(key, (active.get(key) ?? 0) + 1);
      maxSame = Math.max(maxSame, active.get(key) ?? 0);
      maxParallel = Math.max(
        maxParallel,
        [...active.values()].reduce((a, b) => a + b, 0),
      );
      await new Promise((r) => setTimeout(r, 20));
      active.set(key, (active.get(key) ?? 1) - 1);
      done++;
      return undefined;
    }, 4);
    c.start();
    for (let round = 0; round < 5; round++) {
      for (const k of ["a", "b", "c", "d"]) c.queue.add(k);
      await new Promise((r) => setTimeout(r, 5));
    }
    await eventually(
      () => c.queue.len() === 0 && c.queue.processingCount() === 0 && done >= 8,
      5000,
    );
    assert.equal(maxSame, 1);
    assert.ok(maxParallel > 1, `expected parallelism, got ${maxParallel}`);
    await c.stop(1000);
  });

  void it("stop waits for the in-flight reconcile, and aborts its signal after the deadline", async () => {
    let release!: () => void;
    let aborted = false;
    const { c } = setup(
      (_k, ctx) =>
        new Promise((resolve) => {
          release = () => {
            resolve(undefined);
          };
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    );
    c.start();
    c.queue.add("ns/a");
    await eventually(() => c.queue.processingCount() === 1);
    let stopped: boolean | undefined;
    const p = c.stop(60_000).then((v) => {
      stopped = v;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stopped, undefined);
    release();
    await p;
    assert.equal(stopped, true);
    assert.equal(aborted, false);
  });

  void it("watch handlers map old and new objects and survive a throwing map", () => {
    const { c } = setup(() => Promise.resolve(undefined));
    const h = c.watchHandlers((o) => {
      if (o.metadata?.name === "bad") throw new Error("map failed");
      return [`ns/${o.metadata?.labels?.["model"] ?? "none"}`];
    });
    h.onUpdate?.(
      { metadata: { name: "s", labels: { model: "old" } } },
      { metadata: { name: "s", labels: { model: "new" } } },
    );
    h.onAdd?.({ metadata: { name: "bad" } });
    assert.equal(c.queue.len(), 2);
  });
});
