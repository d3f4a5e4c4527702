// The operator survives a kube-apiserver restart: its watches reconnect and it keeps converging
// changes made after the restart, without being restarted itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { restartApiServer, waitFor } from "../../helpers/testenv.ts";
import { apply, getModel, perFile, readyOf, selfHosted } from "./fixtures.ts";

const { client, ctx } = perFile("aim-restart", ["--leader-elect=false"]);

const ready = async (name: string): Promise<boolean> =>
  readyOf(await getModel(client, ctx.ns, name))?.status === "True";

test("keeps converging new AIModels after kube-apiserver restarts", async () => {
  await apply(client, selfHosted(ctx.ns, "before"));
  await waitFor("AIModel before Ready", 90_000, () => ready("before"));

  await restartApiServer();
  assert.equal(ctx.op?.child.exitCode, null, "operator still running after the restart");

  await waitFor(
    "API server answers again",
    60_000,
    async () => (await getModel(client, ctx.ns, "before")) !== undefined,
  );
  await apply(client, selfHosted(ctx.ns, "after", 2));
  await waitFor(
    "AIModel after Ready with 2 replicas",
    120_000,
    async () =>
      (await ready("after")) &&
      (await getModel(client, ctx.ns, "after"))?.status?.readyReplicas === 2,
  );
  assert.equal(ctx.op?.child.exitCode, null, "operator was never restarted");
});
