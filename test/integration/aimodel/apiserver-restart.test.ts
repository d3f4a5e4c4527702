// The operator survives a kube-apiserver restart: its watches reconnect and it keeps converging
// changes made after the restart, without being restarted itself.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { createTestNamespace, restartApiServer, testEnv, waitFor } from "../../helpers/testenv.ts";
import { apply, getModel, readyOf, selfHosted } from "./fixtures.ts";

const env = testEnv();
const client = new KubeClient(env.kubeConfig);
let ns = "";
let op: OperatorProcess;

before(async () => {
  await installCrds(env.kubeConfig);
  ns = (await createTestNamespace("aim-restart")).name;
  op = await startOperator({ kubeconfig: env.kubeconfigPath, args: ["--namespace", ns, "--leader-elect=false"] });
});
after(async () => {
  await op.stop();
});

const ready = async (name: string): Promise<boolean> => readyOf(await getModel(client, ns, name))?.status === "True";

test("keeps converging new AIModels after kube-apiserver restarts", async () => {
  await apply(client, selfHosted(ns, "before"));
  await waitFor("AIModel before Ready", 90_000, () => ready("before"));

  await restartApiServer();
  assert.equal(op.child.exitCode, null, "operator still running after the restart");

  await waitFor("API server answers again", 60_000, async () => (await getModel(client, ns, "before")) !== undefined);
  await apply(client, selfHosted(ns, "after", 2));
  await waitFor("AIModel after Ready with 2 replicas", 120_000, async () => (await ready("after")) && (await getModel(client, ns, "after"))?.status?.readyReplicas === 2);
  assert.equal(op.child.exitCode, null, "operator was never restarted");
});
