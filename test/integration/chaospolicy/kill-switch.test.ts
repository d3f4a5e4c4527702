// Kill switch: with an LLM fault in force (status.activeFaults, read by the gateway renderer),
// engaging librechat.io/chaos-kill-switch on the operator namespace removes the fault within 5 s
// (measured), the verdict is Aborted, and new runs are refused until it is lifted. The same on
// the owning Tenant.
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "../../helpers/testenv.ts";
import {
  externalModel,
  getPolicy,
  NAMESPACE,
  perFile,
  policy,
  TENANT,
  waitFinished,
} from "./fixtures.ts";

const { client, ctx } = perFile("chaos-kill");

async function annotate(gvk: typeof NAMESPACE, name: string, value: string | null): Promise<void> {
  await client.http.request({
    method: "PATCH",
    path: `${gvk.apiVersion === "v1" ? "/api/v1" : `/apis/${gvk.apiVersion}`}/${gvk.plural}/${name}`,
    body: { metadata: { annotations: { "librechat.io/chaos-kill-switch": value } } },
    contentType: "application/merge-patch+json",
  });
}

const failure = {
  fault: { type: "ProviderFailure", providerFailure: { errorRate: "0.5", statusCode: 503 } },
  target: { kind: "AIModel", name: "gpt" },
  duration: "5m",
};

for (const where of ["operator namespace", "Tenant"] as const) {
  test(`kill switch on the ${where}: fault gone within 5 s, verdict Aborted, new runs refused`, async () => {
    await client.apply(externalModel(ctx.ns, "gpt"), { fieldManager: "integration-test" });
    const name = where === "Tenant" ? "fail-t" : "fail-ns";
    await client.apply(policy(ctx.ns, name, failure), { fieldManager: "integration-test" });
    await waitFor(
      "fault active",
      30_000,
      async () =>
        ((await getPolicy(client, ctx.ns, name))?.status?.activeFaults?.length ?? 0) === 1,
      100,
    );
    const p = await getPolicy(client, ctx.ns, name);
    const f = p?.status?.activeFaults?.[0];
    assert.equal(f?.backend, `${ctx.ns}/gpt`);
    assert.equal(f?.errorRate, 0.5);
    assert.equal(f?.expiresAt, p?.status?.run?.endsAt, "the gateway's own expiry is the run's end");
    assert.equal(p?.status?.observedGeneration, p?.metadata.generation);

    const t0 = Date.now();
    if (where === "Tenant") await annotate(TENANT, ctx.tenant, "engaged");
    else await annotate(NAMESPACE, ctx.opNs, "engaged");
    await waitFor(
      "fault removed",
      5_000,
      async () => (await getPolicy(client, ctx.ns, name))?.status?.activeFaults === undefined,
      50,
    );
    const ms = Date.now() - t0;
    process.stdout.write(`# kill switch (${where}) removed the fault in ${ms} ms\n`);
    assert.ok(ms <= 5000, `removed in ${ms} ms`);
    const done = await waitFinished(client, ctx.ns, name, 10_000);
    assert.equal(done.status?.verdict, "Aborted");
    assert.match(done.status?.run?.reason ?? "", /kill switch engaged/);

    // A new policy does not start while engaged.
    const blocked = `${name}-new`;
    await client.apply(policy(ctx.ns, blocked, failure), { fieldManager: "integration-test" });
    await waitFor(
      "blocked policy reports the kill switch",
      10_000,
      async () => {
        const b = await getPolicy(client, ctx.ns, blocked);
        return (
          b?.status?.conditions?.some(
            (c) => c.type === "KillSwitchEngaged" && c.status === "True",
          ) === true
        );
      },
      100,
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      (await getPolicy(client, ctx.ns, blocked))?.status?.run,
      undefined,
      "no run while engaged",
    );
    // A spec change while blocked: status follows the new generation, still without a run.
    await client.apply(policy(ctx.ns, blocked, { ...failure, duration: "4m" }), {
      fieldManager: "integration-test",
    });
    await waitFor(
      "observedGeneration follows the spec change",
      10_000,
      async () => {
        const b = await getPolicy(client, ctx.ns, blocked);
        return (
          (b?.metadata.generation ?? 0) >= 2 &&
          b?.status?.observedGeneration === b?.metadata.generation
        );
      },
      100,
    );
    assert.equal(
      (await getPolicy(client, ctx.ns, blocked))?.status?.run,
      undefined,
      "still no run while engaged",
    );

    // Lifted: the waiting policy runs.
    if (where === "Tenant") await annotate(TENANT, ctx.tenant, null);
    else await annotate(NAMESPACE, ctx.opNs, null);
    await waitFor(
      "blocked policy starts after the lift",
      10_000,
      async () =>
        ((await getPolicy(client, ctx.ns, blocked))?.status?.activeFaults?.length ?? 0) === 1,
      100,
    );
    await client.delete(
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "ChaosPolicy",
        plural: "chaospolicies",
        namespaced: true,
      },
      ctx.ns,
      blocked,
    );
    await waitFor(
      "deleted policy gone (finalizer removed its fault first)",
      10_000,
      async () => (await getPolicy(client, ctx.ns, blocked)) === undefined,
      100,
    );
  });
}
