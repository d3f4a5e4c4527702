// A child name held by an object the AIModel does not control is reported and retried, never
// overwritten and never a silent success: Ready=False (ChildConflict) naming the holder, a Warning
// event; and once the foreign object is deleted the model converges by itself, promptly (the
// deletion re-queues it) rather than at the next resync.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Service } from "@kubernetes/client-node";
import { waitFor } from "../../helpers/testenv.ts";
import { SERVICE, apply, getModel, perFile, readyOf, selfHosted } from "./fixtures.ts";

const { client, ctx } = perFile("aim-conflict", ["--leader-elect=false", "--controllers=aimodel"]);

test("a foreign Service named like the model blocks it with ChildConflict until deleted", async () => {
  // A Service nobody controls, with the name the model's Service would have.
  await client.apply(
    {
      apiVersion: SERVICE.apiVersion,
      kind: SERVICE.kind,
      metadata: { name: "llama", namespace: ctx.ns, labels: { owner: "someone-else" } },
      spec: { ports: [{ port: 9999 }] },
    },
    { fieldManager: "someone-else", force: true },
  );
  await apply(client, selfHosted(ctx.ns, "llama", 1));

  await waitFor(
    "Ready=False with reason ChildConflict",
    60_000,
    async () => readyOf(await getModel(client, ctx.ns, "llama"))?.reason === "ChildConflict",
  );
  const model = await getModel(client, ctx.ns, "llama");
  assert.equal(readyOf(model)?.status, "False");
  assert.match(
    readyOf(model)?.message ?? "",
    /Service llama already exists and is controlled by no controller/,
  );
  assert.equal(model?.status?.phase, "Error");

  // Retried, not overwritten: the foreign Service keeps its port and has no owner.
  await new Promise((r) => setTimeout(r, 3000));
  const foreign = await client.get<V1Service>(SERVICE, ctx.ns, "llama");
  assert.equal(foreign?.spec?.ports?.[0]?.port, 9999);
  assert.equal(foreign?.metadata?.ownerReferences, undefined);
  assert.equal(readyOf(await getModel(client, ctx.ns, "llama"))?.reason, "ChildConflict");

  const deletedAt = Date.now();
  await client.delete(SERVICE, ctx.ns, "llama");
  await waitFor("the model's own Service", 30_000, async () => {
    const svc = await client.get<V1Service>(SERVICE, ctx.ns, "llama");
    return (
      svc?.metadata?.ownerReferences?.[0]?.kind === "AIModel" && svc.spec?.ports?.[0]?.port === 8000
    );
  });
  await waitFor(
    "Ready=True",
    60_000,
    async () => readyOf(await getModel(client, ctx.ns, "llama"))?.status === "True",
  );
  const took = Date.now() - deletedAt;
  assert.ok(took < 30_000, `converged ${took} ms after the foreign Service was deleted`);
});
