// A self-hosted AIModel becomes a running inference pool: Deployment, Service and PDB owned by
// the AIModel, pods Running on the kwok node, status Ready with the right replica count; edited or
// deleted children are repaired; deleting the AIModel garbage-collects the children.
import { test } from "node:test";
import assert from "node:assert/strict";
import type {
  V1Deployment,
  V1PodDisruptionBudget,
  V1Pod,
  V1Service,
} from "@kubernetes/client-node";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { waitFor } from "../../helpers/testenv.ts";
import {
  DEPLOYMENT,
  PDB,
  SERVICE,
  apply,
  getModel,
  perFile,
  readyOf,
  selfHosted,
} from "./fixtures.ts";

const POD = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const { client, ctx } = perFile("aim-self", ["--leader-elect=false"]);

test("AIModel with 2 replicas converges to Ready with owned Deployment, Service and PDB", async () => {
  await apply(client, selfHosted(ctx.ns, "llama", 2, 1));
  let m: AIModel | undefined;
  await waitFor("AIModel Ready with 2 ready replicas", 90_000, async () => {
    m = await getModel(client, ctx.ns, "llama");
    return readyOf(m)?.status === "True" && m?.status?.readyReplicas === 2;
  });
  assert.ok(m);
  assert.equal(m.status?.phase, "Active");
  assert.equal(m.status?.observedGeneration, m.metadata.generation);
  assert.equal(m.status?.endpoint, `http://llama.${ctx.ns}.svc.cluster.local:8000/v1`);

  const dep = await client.get<V1Deployment>(DEPLOYMENT, ctx.ns, "llama");
  const svc = await client.get<V1Service>(SERVICE, ctx.ns, "llama");
  const pdb = await client.get<V1PodDisruptionBudget>(PDB, ctx.ns, "llama");
  for (const child of [dep, svc, pdb]) {
    const ref = child?.metadata?.ownerReferences?.[0];
    assert.equal(ref?.kind, "AIModel");
    assert.equal(ref?.uid, m.metadata.uid);
    assert.equal(ref?.controller, true);
    assert.equal(child?.metadata?.labels?.["app.kubernetes.io/managed-by"], "librechat-operator");
  }
  assert.equal(dep?.spec?.template.spec?.containers[0]?.resources?.limits?.["nvidia.com/gpu"], "1");

  const pods = await client.list<V1Pod>(POD, ctx.ns, {
    labelSelector: "librechat.io/aimodel=llama",
  });
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.equal(p.status?.phase, "Running");
    assert.ok(
      p.spec?.nodeName?.startsWith("kwok-"),
      `pod scheduled on a kwok node, got ${p.spec?.nodeName}`,
    );
  }
});

test("a deleted Service and an edited Deployment are repaired", async () => {
  await client.delete(SERVICE, ctx.ns, "llama");
  await client.apply(
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "llama", namespace: ctx.ns },
      spec: { replicas: 5 },
    },
    { fieldManager: "intruder", force: true },
  );
  await waitFor(
    "Service recreated",
    60_000,
    async () => (await client.get<V1Service>(SERVICE, ctx.ns, "llama")) !== undefined,
  );
  await waitFor(
    "Deployment replicas restored to 2",
    60_000,
    async () => (await client.get<V1Deployment>(DEPLOYMENT, ctx.ns, "llama"))?.spec?.replicas === 2,
  );
});

test("scaling down to one replica removes the PodDisruptionBudget", async () => {
  await apply(client, selfHosted(ctx.ns, "llama", 1, 1));
  await waitFor(
    "PDB deleted",
    60_000,
    async () => (await client.get(PDB, ctx.ns, "llama")) === undefined,
  );
  await waitFor(
    "readyReplicas 1",
    60_000,
    async () => (await getModel(client, ctx.ns, "llama"))?.status?.readyReplicas === 1,
  );
});

test("deleting the AIModel garbage-collects its children", async () => {
  await client.delete(
    { apiVersion: "librechat.io/v1alpha1", kind: "AIModel", plural: "aimodels", namespaced: true },
    ctx.ns,
    "llama",
    { propagationPolicy: "Foreground" },
  );
  await waitFor(
    "Deployment and Service collected",
    90_000,
    async () =>
      (await client.get(DEPLOYMENT, ctx.ns, "llama")) === undefined &&
      (await client.get(SERVICE, ctx.ns, "llama")) === undefined,
  );
});
