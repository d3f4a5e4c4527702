// Tests of the object-reconciler adapter: not-found and deleting guards, and the finalizer helper
// (added before the first reconcile, cleanup then removal on deletion, nothing if not ours).
import { test } from "node:test";
import assert from "node:assert/strict";
import { silentLogger } from "./logger.ts";
import { objectReconciler } from "./reconciler.ts";
import type { FinalizerClient } from "./reconciler.ts";
import type { KubernetesObject, ReconcileContext } from "./types.ts";

const ctx: ReconcileContext = { log: silentLogger(), signal: new AbortController().signal };
const FIN = "librechat.io/cleanup";

function setup(
  obj: KubernetesObject | undefined,
  withFinalizer = false,
): { calls: string[]; run: () => Promise<unknown> } {
  const calls: string[] = [];
  const client: FinalizerClient = {
    addFinalizer: (_o, f) => {
      calls.push(`add ${f}`);
      return Promise.resolve();
    },
    removeFinalizer: (_o, f) => {
      calls.push(`remove ${f}`);
      return Promise.resolve();
    },
  };
  const r = objectReconciler<KubernetesObject>({
    cache: { get: (k) => (k === "ns/a" ? obj : undefined) },
    reconcile: () => {
      calls.push("reconcile");
      return Promise.resolve({ requeueAfterMs: 5 });
    },
    notFound: (k) => {
      calls.push(`notFound ${k}`);
      return Promise.resolve(undefined);
    },
    ...(withFinalizer
      ? {
          finalizer: {
            name: FIN,
            fieldManager: "t",
            client,
            finalize: () => {
              calls.push("finalize");
              return Promise.resolve();
            },
          },
        }
      : {}),
  });
  return { calls, run: () => r("ns/a", ctx) };
}

test("a live object is reconciled and its result returned", async () => {
  const s = setup({ metadata: { name: "a", namespace: "ns" } });
  assert.deepEqual(await s.run(), { requeueAfterMs: 5 });
  assert.deepEqual(s.calls, ["reconcile"]);
});

test("a missing object goes to notFound", async () => {
  const s = setup(undefined);
  await s.run();
  assert.deepEqual(s.calls, ["notFound ns/a"]);
});

test("a deleting object without our finalizer is left to the garbage collector", async () => {
  const s = setup(
    { metadata: { name: "a", namespace: "ns", deletionTimestamp: "2026-01-01T00:00:00Z" } },
    true,
  );
  await s.run();
  assert.deepEqual(s.calls, []);
});

test("the finalizer is added before the first reconcile", async () => {
  const s = setup({ metadata: { name: "a", namespace: "ns" } }, true);
  await s.run();
  assert.deepEqual(s.calls, [`add ${FIN}`]);
});

test("with the finalizer in place the object is reconciled", async () => {
  const s = setup({ metadata: { name: "a", namespace: "ns", finalizers: [FIN] } }, true);
  await s.run();
  assert.deepEqual(s.calls, ["reconcile"]);
});

test("deletion runs the cleanup, then removes the finalizer", async () => {
  const s = setup(
    {
      metadata: {
        name: "a",
        namespace: "ns",
        finalizers: [FIN],
        deletionTimestamp: "2026-01-01T00:00:00Z",
      },
    },
    true,
  );
  await s.run();
  assert.deepEqual(s.calls, ["finalize", `remove ${FIN}`]);
});
