// Two operator replicas: exactly one holds the Lease and reconciles; when the leader is killed,
// the other takes over after the lease expires and converges new AIModels. A leader frozen
// (SIGSTOP) past its lease is replaced, and when it resumes it steps down and exits without
// reconciling what happened while it was frozen.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { apply, getModel, perFile, readyOf, selfHosted } from "./fixtures.ts";

const { env, client, ctx } = perFile("aim-le");
const LEASE = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};
const ops: OperatorProcess[] = [];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

async function replica(id: string, lease = "op-lease"): Promise<OperatorProcess> {
  const args = [
    "--namespace",
    ctx.ns,
    "--leader-elect=true",
    "--lease-namespace",
    ctx.ns,
    "--lease-name",
    lease,
    "--leader-elect-lease-duration=4",
    "--leader-elect-renew-deadline=3",
    "--leader-elect-retry-period=0.5",
    `--metrics-bind-address=127.0.0.1:${await freePort()}`,
    `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
  ];
  const op = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args,
    env: { POD_NAME: id },
    waitFor: "listening",
    timeoutMs: 30_000,
  });
  ops.push(op);
  return op;
}

after(async () => {
  await Promise.all(ops.map((o) => o.stop("SIGKILL")));
});

const leaderMetric = (o: OperatorProcess): Promise<number> =>
  o.metric("leader_election_master_status");
const reconciles = (o: OperatorProcess): Promise<number> =>
  o.metric("controller_runtime_reconcile_total", { controller: "aimodel" });

test("exactly one of two replicas reconciles; the other takes over when the leader dies", async () => {
  const a = await replica("replica-a");
  const b = await replica("replica-b");
  await waitFor(
    "a leader",
    30_000,
    async () => (await leaderMetric(a)) + (await leaderMetric(b)) === 1,
  );
  const [leader, follower] = (await leaderMetric(a)) === 1 ? [a, b] : [b, a];
  const lease = await client.get<{ spec?: { holderIdentity?: string } }>(LEASE, ctx.ns, "op-lease");
  assert.equal(lease?.spec?.holderIdentity, leader === a ? "replica-a" : "replica-b");

  await apply(client, selfHosted(ctx.ns, "one"));
  await waitFor(
    "first AIModel Ready",
    90_000,
    async () => readyOf(await getModel(client, ctx.ns, "one"))?.status === "True",
  );
  assert.ok((await reconciles(leader)) > 0, "leader reconciled");
  assert.equal(await reconciles(follower), 0, "follower never reconciled");
  assert.equal(await leaderMetric(follower), 0);

  await leader.stop("SIGKILL");
  await waitFor(
    "follower becomes leader",
    30_000,
    async () => (await leaderMetric(follower)) === 1,
  );
  await apply(client, selfHosted(ctx.ns, "two"));
  await waitFor(
    "second AIModel Ready under the new leader",
    90_000,
    async () => readyOf(await getModel(client, ctx.ns, "two"))?.status === "True",
  );
  assert.ok((await reconciles(follower)) > 0, "new leader reconciles");
  await Promise.all(ops.splice(0).map((o) => o.stop("SIGKILL")));
});

test("a leader frozen past its lease is replaced; resumed, it exits without reconciling", async () => {
  const a = await replica("frozen-a", "frozen-lease");
  const b = await replica("frozen-b", "frozen-lease");
  await waitFor(
    "a leader",
    30_000,
    async () => (await leaderMetric(a)) + (await leaderMetric(b)) === 1,
  );
  const [leader, follower] = (await leaderMetric(a)) === 1 ? [a, b] : [b, a];
  const pid = leader.child.pid ?? 0;
  process.kill(pid, "SIGSTOP");
  try {
    // Lease 4 s: the follower takes over, and converges a model applied while the leader is frozen
    // (the frozen leader's watch delivers that event to it too, once it resumes).
    await waitFor(
      "follower becomes leader",
      30_000,
      async () => (await leaderMetric(follower)) === 1,
    );
    await apply(client, selfHosted(ctx.ns, "while-frozen"));
    await waitFor(
      "AIModel Ready under the new leader",
      90_000,
      async () => readyOf(await getModel(client, ctx.ns, "while-frozen"))?.status === "True",
    );
  } finally {
    process.kill(pid, "SIGCONT");
  }
  const exited = await Promise.race([
    new Promise<number | null>((r) =>
      leader.child.once("exit", (code) => {
        r(code);
      }),
    ),
    new Promise<"running">((r) =>
      setTimeout(() => {
        r("running");
      }, 15_000),
    ),
  ]);
  assert.equal(exited, 1, "the resumed replica exits (leadership lost), like controller-runtime");
  assert.match(leader.output(), /Lost leadership|Leader election lost/);
  // The controller logs every child it applies with its name: the resumed replica, whose cache
  // had not seen the new leader's Deployment, would have applied it again.
  assert.ok(
    !leader.output().includes("while-frozen"),
    "the resumed replica never touched the model created while it was frozen",
  );
});
