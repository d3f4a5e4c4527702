// SIGKILL the operator while 200 AIModels converge, start it again: all converge, and every model
// has exactly one Deployment, one Service and one ReplicaSet, none orphaned.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Deployment, V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { ensureKwokNodes } from "../../helpers/kwok.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { AIMODEL, apply, DEPLOYMENT, perFile, readyOf, selfHosted, SERVICE } from "./fixtures.ts";

const N = 200;
const { env, client, ctx } = perFile("aim-crash");
const RS = { apiVersion: "apps/v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true };
let op: OperatorProcess | undefined;

before(async () => {
  // One kwok node holds 250 pods; leave room for the other tests' pods.
  await ensureKwokNodes(client, "kwok-crash", 1);
});
after(async () => {
  await op?.stop();
});

async function readyCount(): Promise<number> {
  const models = await client.list<AIModel>(AIMODEL, ctx.ns);
  return models.filter((m) => readyOf(m)?.status === "True").length;
}

test(`SIGKILL during convergence of ${N} AIModels loses nothing and duplicates nothing`, async () => {
  const args = ["--namespace", ctx.ns, "--leader-elect=false", "--aimodel-concurrency", "8"];
  op = await startOperator({ kubeconfig: env.kubeconfigPath, args });
  const names = Array.from({ length: N }, (_, i) => `m-${String(i).padStart(3, "0")}`);
  // Create in batches so the operator is mid-way when it dies.
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(names.slice(i, i + 25).map((n) => apply(client, selfHosted(ctx.ns, n))));
  }
  // Poll fast: with a quick control plane the rest can converge within a slow poll interval.
  await waitFor("some AIModels Ready", 120_000, async () => (await readyCount()) >= 10, 100);
  const readyAtKill = await readyCount();
  await op.stop("SIGKILL");
  assert.ok(readyAtKill < N, `kill happened mid-way (ready at kill: ${readyAtKill})`);

  op = await startOperator({ kubeconfig: env.kubeconfigPath, args });
  await waitFor(`all ${N} AIModels Ready`, 300_000, async () => (await readyCount()) === N, 1000);

  const models = await client.list<AIModel>(AIMODEL, ctx.ns);
  const uids = new Set(models.map((m) => m.metadata.uid));
  const deps = await client.list<V1Deployment>(DEPLOYMENT, ctx.ns);
  const svcs = await client.list<V1Service>(SERVICE, ctx.ns);
  const rss = await client.list<V1ReplicaSet>(RS, ctx.ns);
  assert.equal(deps.length, N, "one Deployment per AIModel");
  assert.equal(svcs.length, N, "one Service per AIModel");
  assert.equal(rss.length, N, "one ReplicaSet per Deployment: the pod template never flapped");
  for (const o of [...deps, ...svcs]) {
    const owner = o.metadata?.ownerReferences?.find((r) => r.controller === true);
    assert.ok(
      owner !== undefined && uids.has(owner.uid),
      `${o.kind ?? ""} ${o.metadata?.name ?? ""} is owned by a live AIModel`,
    );
  }
});
