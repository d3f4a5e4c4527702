// PodDelete through the Eviction API on a real control plane (kwok runs the pods):
// - 25 % of a 4-replica AIModel → exactly one pod evicted per run, and a second policy on the same
//   target at the same time gets nothing (the ledger holds the stricter limit of 1);
// - a PodDisruptionBudget that allows no disruption makes the eviction "not now" (429): no pod is
//   deleted, the run ends Failed with EvictionBlocked, never a forced delete.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIGMAP } from "../../../controllers/chaospolicy/gvks.ts";
import { apply as kubectlApply, deployment, waitForReadyPods } from "../../helpers/kube.ts";
import { waitFor } from "../../helpers/testenv.ts";
import {
  eventsFor,
  getPolicy,
  perFile,
  podUids,
  policy,
  selfHostedModel,
  waitFinished,
} from "./fixtures.ts";

const { client, ctx } = perFile("chaos-pd");
const SEL = "librechat.io/aimodel=llama";

/** Waits until the AIModel reports its rollout complete (Progressing=False for its generation). */
async function rolloutComplete(): Promise<void> {
  await waitFor("AIModel rollout complete", 60_000, async () => {
    const m = await client.get<{
      metadata: { generation?: number };
      status?: { conditions?: { type: string; status: string; observedGeneration?: number }[] };
    }>(
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "AIModel",
        plural: "aimodels",
        namespaced: true,
      },
      ctx.ns,
      "llama",
    );
    return (
      m?.status?.conditions?.some(
        (c) =>
          c.type === "Progressing" &&
          c.status === "False" &&
          c.observedGeneration === m.metadata.generation,
      ) === true
    );
  });
}

test("25 % of a 4-replica AIModel: exactly one eviction per run; a concurrent policy on the same target gets none", async () => {
  await client.apply(selfHostedModel(ctx.ns, "llama", 4), { fieldManager: "integration-test" });
  await waitForReadyPods(ctx.ns, SEL, 4, 90_000);
  // Wait until the AIModel's rollout is complete, otherwise the interlock skips the run.
  await rolloutComplete();
  const before = await podUids(client, ctx.ns, SEL);
  const spec = {
    fault: { type: "PodDelete", podDelete: { gracePeriodSeconds: 0 } },
    target: { kind: "AIModel", name: "llama" },
    blastRadius: { mode: "Percent", value: 25, maxAffectedPercent: 25, minHealthyReplicas: 1 },
    duration: "4s",
    recovery: { timeout: "60s" },
  };
  await Promise.all([
    client.apply(policy(ctx.ns, "pd-a", spec), { fieldManager: "integration-test" }),
    client.apply(policy(ctx.ns, "pd-b", spec), { fieldManager: "integration-test" }),
  ]);
  const [a, b] = await Promise.all([
    waitFinished(client, ctx.ns, "pd-a", 90_000),
    waitFinished(client, ctx.ns, "pd-b", 90_000),
  ]);
  const after = await podUids(client, ctx.ns, SEL);
  const gone = [...before].filter(([name]) => !after.has(name)).map(([name]) => name);
  assert.equal(gone.length, 1, `exactly one original pod evicted (gone: ${gone.join(", ")})`);

  const hit = [a, b].filter((p) => (p.status?.targets ?? []).some((t) => t.injected));
  const skipped = [a, b].filter((p) => p.status?.history?.skipped === 1);
  assert.equal(hit.length, 1, "one policy injected");
  assert.equal(skipped.length, 1, "the other was skipped");
  const winner = hit[0];
  assert.equal(winner?.status?.targets?.length, 1);
  assert.equal(winner?.status?.targets?.[0]?.pod, gone[0], "status names the evicted pod");
  assert.equal(winner?.status?.verdict, "Passed");
  assert.equal(winner?.status?.affected?.count, 1);
  assert.equal(winner?.status?.affected?.totalEligible, 4);
  assert.match(skipped[0]?.status?.history?.lastSkippedReason ?? "", /blast radius in use by/);
  const evs = await eventsFor(client, ctx.ns, winner?.metadata.name ?? "");
  assert.ok(
    evs.some((e) => e.reason === "Injected"),
    "Injected event",
  );
  assert.ok(
    evs.some((e) => e.reason === "RunPassed"),
    "RunPassed event",
  );

  // The ledger is left with no claims once the run is over (released right after the finished
  // status is stored, so shortly after it, not with the same write).
  let claims: unknown;
  await waitFor("the run's ledger claim released", 10_000, async () => {
    const cm = await client.get<V1ConfigMap>(CONFIGMAP, ctx.ns, "chaos-ledger.aimodel.llama");
    claims = JSON.parse(cm?.data?.["claims.json"] ?? "{}");
    return JSON.stringify(claims) === JSON.stringify({ claims: [] });
  });
  assert.deepEqual(claims, { claims: [] });
  assert.ok((await ctx.op?.metric("chaos_runs_total", { verdict: "Passed" })) === 1);

  // A second run (spec change = new generation) evicts exactly one more pod. The replacement pod
  // must be ready and the AIModel's status must say so, or the rollout interlock skips the run.
  await waitForReadyPods(ctx.ns, SEL, 4, 60_000);
  await rolloutComplete();
  const before2 = await podUids(client, ctx.ns, SEL);
  await client.apply(policy(ctx.ns, "pd-b", { ...spec, duration: "3s" }), {
    fieldManager: "integration-test",
  });
  await waitFor(
    "pd-b second run finished",
    90_000,
    async () => {
      const p = await getPolicy(client, ctx.ns, "pd-b");
      return p?.status?.run?.state === "Finished" && p.status.run.generation === 2;
    },
    100,
  );
  const after2 = await podUids(client, ctx.ns, SEL);
  const second = await getPolicy(client, ctx.ns, "pd-b");
  assert.equal(
    [...before2.keys()].filter((n) => !after2.has(n)).length,
    1,
    `exactly one eviction in the second run (status: ${JSON.stringify({ run: second?.status?.run, history: second?.status?.history, verdict: second?.status?.verdict })})`,
  );
});

test("a PodDisruptionBudget that allows no disruption blocks the eviction: nothing deleted, run Failed", async () => {
  await kubectlApply(deployment("web", 2, { labels: { app: "web" } }), ctx.ns);
  await waitForReadyPods(ctx.ns, "app=web", 2, 60_000);
  await kubectlApply(
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
    },
    ctx.ns,
  );
  const before = await podUids(client, ctx.ns, "app=web");
  await client.apply(
    policy(ctx.ns, "pd-pdb", {
      fault: { type: "PodDelete" },
      target: { kind: "Deployment", name: "web" },
      blastRadius: { mode: "One", maxAffectedPercent: 50, minHealthyReplicas: 1 },
      duration: "4s",
      recovery: { timeout: "10s" },
    }),
    { fieldManager: "integration-test" },
  );
  const p = await waitFinished(client, ctx.ns, "pd-pdb", 60_000);
  const after = await podUids(client, ctx.ns, "app=web");
  assert.deepEqual([...after.entries()].sort(), [...before.entries()].sort(), "no pod was deleted");
  assert.equal(p.status?.verdict, "Failed");
  assert.equal(p.status?.targets?.[0]?.injected, false);
  const evs = await eventsFor(client, ctx.ns, "pd-pdb");
  assert.ok(
    evs.some((e) => e.reason === "EvictionBlocked"),
    `EvictionBlocked event (got ${evs.map((e) => e.reason).join(",")})`,
  );
});
