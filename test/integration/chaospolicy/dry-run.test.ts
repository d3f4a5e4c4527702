// dryRun: the run selects targets and runs the probes, records exactly what would be hit in status
// and an Event, and touches nothing: no pod deleted, no ledger claim, no gateway fault.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIGMAP } from "../../../controllers/chaospolicy/gvks.ts";
import { waitForReadyPods } from "../../helpers/kube.ts";
import {
  eventsFor,
  externalModel,
  perFile,
  podUids,
  policy,
  selfHostedModel,
  waitFinished,
} from "./fixtures.ts";

const { client, ctx } = perFile("chaos-dry");
const SEL = "librechat.io/aimodel=llama";

test("dry run lists the pods that would be evicted and touches nothing", async (t) => {
  let probeHits = 0;
  const probeServer = createServer((_req, res) => {
    probeHits++;
    res.end("ok");
  });
  await new Promise<void>((r) => probeServer.listen(0, "127.0.0.1", r));
  t.after(() => probeServer.close());
  const probeUrl = `http://127.0.0.1:${(probeServer.address() as AddressInfo).port}/healthz`;

  await client.apply(selfHostedModel(ctx.ns, "llama", 4), { fieldManager: "integration-test" });
  await waitForReadyPods(ctx.ns, SEL, 4, 90_000);
  const before = await podUids(client, ctx.ns, SEL);
  await client.apply(
    policy(ctx.ns, "dry", {
      fault: { type: "PodDelete" },
      target: { kind: "AIModel", name: "llama" },
      blastRadius: { mode: "Percent", value: 50, maxAffectedPercent: 50, minHealthyReplicas: 1 },
      duration: "30s",
      dryRun: true,
      interlocks: { skipIfRolloutInProgress: false },
      steadyState: {
        probes: [
          {
            name: "up",
            type: "HTTP",
            url: probeUrl,
            comparator: "==",
            threshold: "200",
            interval: "1s",
          },
        ],
      },
    }),
    { fieldManager: "integration-test" },
  );
  const p = await waitFinished(client, ctx.ns, "dry", 30_000);
  assert.equal(p.status?.verdict, "DryRun");
  const targets = p.status?.targets ?? [];
  assert.equal(targets.length, 2, "50 % of 4 replicas");
  for (const tg of targets) {
    assert.equal(tg.injected, false);
    assert.ok(
      tg.pod !== undefined && before.has(tg.pod),
      `${tg.pod ?? ""} is a real pod of the target`,
    );
  }
  assert.equal(p.status?.run?.probes?.[0]?.ok, true);
  assert.ok(probeHits >= 1, "the probe ran");
  assert.equal(p.status?.activeFaults, undefined);
  const ev = (await eventsFor(client, ctx.ns, "dry")).find((e) => e.reason === "DryRun");
  assert.ok(ev !== undefined, "DryRun Event");
  for (const tg of targets)
    assert.ok(
      ev.message.includes(`${ctx.ns}/${tg.pod ?? ""}`),
      `Event names ${tg.pod ?? ""}: ${ev.message}`,
    );

  // Nothing touched: same pods (same UIDs), none terminating, no ledger written.
  await new Promise((r) => setTimeout(r, 1000));
  const after = await podUids(client, ctx.ns, SEL);
  assert.deepEqual([...after.entries()].sort(), [...before.entries()].sort());
  assert.equal(
    await client.get<V1ConfigMap>(CONFIGMAP, ctx.ns, "chaos-ledger.aimodel.llama"),
    undefined,
    "no ledger claim",
  );
  assert.equal(await ctx.op?.metric("chaos_runs_total", { verdict: "DryRun" }), 1);
});

test("dry run of a provider failure names the gateway backend and writes no fault", async () => {
  await client.apply(externalModel(ctx.ns, "gpt"), { fieldManager: "integration-test" });
  await client.apply(
    policy(ctx.ns, "dry-llm", {
      fault: { type: "ProviderFailure", providerFailure: { errorRate: "0.5", statusCode: 503 } },
      target: { kind: "AIModel", name: "gpt" },
      duration: "5m",
      dryRun: true,
    }),
    { fieldManager: "integration-test" },
  );
  const p = await waitFinished(client, ctx.ns, "dry-llm", 30_000);
  assert.equal(p.status?.verdict, "DryRun");
  assert.deepEqual(
    (p.status?.targets ?? []).map((x) => ({ backend: x.backend, injected: x.injected })),
    [{ backend: `${ctx.ns}/gpt`, injected: false }],
  );
  assert.equal(p.status?.activeFaults, undefined, "nothing for the gateway to carry");
  assert.equal(p.status?.observedGeneration, p.metadata.generation);
  const ev = (await eventsFor(client, ctx.ns, "dry-llm")).find((e) => e.reason === "DryRun");
  assert.ok(ev?.message.includes(`would inject ProviderFailure into ${ctx.ns}/gpt`), ev?.message);
  assert.equal(
    await client.get<V1ConfigMap>(CONFIGMAP, ctx.ns, "chaos-ledger.aimodel.gpt"),
    undefined,
    "no ledger claim",
  );
});
