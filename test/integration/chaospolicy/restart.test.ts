// Operator SIGKILLed mid-run: all run state is in status, so the restarted operator ends the run
// at status.run.endsAt and removes the fault; nothing is left behind (no activeFaults, no claim).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIGMAP } from "../../../controllers/chaospolicy/gvks.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { externalModel, getPolicy, perFile, policy, waitFinished } from "./fixtures.ts";

const { client, ctx } = perFile("chaos-restart");

test("SIGKILL during a run: the restarted operator removes the fault at the end of its duration", async () => {
  await client.apply(externalModel(ctx.ns, "gpt"), { fieldManager: "integration-test" });
  await client.apply(
    policy(ctx.ns, "latency", {
      fault: { type: "ProviderLatency", providerLatency: { addedLatencyMs: 300 } },
      target: { kind: "AIModel", name: "gpt" },
      duration: "12s",
    }),
    { fieldManager: "integration-test" },
  );
  await waitFor(
    "fault active",
    30_000,
    async () =>
      ((await getPolicy(client, ctx.ns, "latency"))?.status?.activeFaults?.length ?? 0) === 1,
    100,
  );
  const running = await getPolicy(client, ctx.ns, "latency");
  const endsAt = Date.parse(running?.status?.run?.endsAt ?? "");
  assert.ok(Number.isFinite(endsAt));
  await ctx.op?.stop("SIGKILL");
  // While no operator runs, the fault stays in status (the gateway's expiresAt still bounds it).
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await getPolicy(client, ctx.ns, "latency"))?.status?.run?.state, "Running");
  await ctx.start();
  const done = await waitFinished(client, ctx.ns, "latency", 30_000);
  const finishedAt = Date.parse(done.status?.run?.finishedAt ?? "");
  process.stdout.write(`# run ended ${finishedAt - endsAt} ms after its endsAt\n`);
  assert.ok(
    finishedAt >= endsAt - 1000 && finishedAt - endsAt < 3000,
    `ended at its duration (${finishedAt - endsAt} ms after endsAt)`,
  );
  assert.equal(done.status?.verdict, "Passed");
  assert.equal(done.status?.activeFaults, undefined);
  // The controller releases the run's blast-radius claim right after it stores the finished
  // status (a crash in between leaves a claim that expires on its own), so the ledger empties
  // shortly after, not with the same write.
  let claims: unknown;
  await waitFor("the run's ledger claim released", 10_000, async () => {
    const cm = await client.get<V1ConfigMap>(CONFIGMAP, ctx.ns, "chaos-ledger.aimodel.gpt");
    claims = JSON.parse(cm?.data?.["claims.json"] ?? '{"claims":[]}');
    return JSON.stringify(claims) === JSON.stringify({ claims: [] });
  });
  assert.deepEqual(claims, { claims: [] });
});
