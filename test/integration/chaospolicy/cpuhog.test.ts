// CPUHog on kwok: kwok runs no containers, so this proves what the operator requests and that the
// run ends, not that CPU burns: the hogged pod gets exactly one ephemeral container with the
// bounded command (timeout -s KILL <duration>, `cores` loops, no privileges); the run ends at its
// duration; an early stop (suspend) evicts the hogged pod, since an ephemeral container cannot be
// removed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { apply as kubectlApply, deployment, waitForReadyPods } from "../../helpers/kube.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { getPolicy, perFile, POD, podUids, policy, waitFinished } from "./fixtures.ts";

const { client, ctx } = perFile("chaos-cpu");

test("CPUHog requests one bounded ephemeral container on one of four pods and ends at its duration", async () => {
  await kubectlApply(deployment("api", 4, { labels: { app: "api" } }), ctx.ns);
  await waitForReadyPods(ctx.ns, "app=api", 4, 60_000);
  await client.apply(
    policy(ctx.ns, "hog", {
      fault: { type: "CPUHog", cpuHog: { cores: 2 } },
      target: { kind: "Deployment", name: "api" },
      duration: "5s",
    }),
    { fieldManager: "integration-test" },
  );
  await waitFor(
    "hog running",
    30_000,
    async () => (await getPolicy(client, ctx.ns, "hog"))?.status?.run?.state === "Running",
    100,
  );
  const p = await getPolicy(client, ctx.ns, "hog");
  const runId = p?.status?.run?.id ?? "";
  const pods = await client.list<V1Pod>(POD, ctx.ns, { labelSelector: "app=api" });
  const hogged = pods.filter((x) => (x.spec?.ephemeralContainers ?? []).length > 0);
  assert.equal(hogged.length, 1, "one pod of four (25 %)");
  const c = hogged[0]?.spec?.ephemeralContainers?.[0];
  assert.equal(c?.name, `chaos-cpuhog-${runId}`);
  assert.equal(c?.image, "busybox:1.37");
  assert.deepEqual(c?.command?.slice(0, 3), ["timeout", "-s", "KILL"]);
  const secs = Number(c?.command?.[3]);
  assert.ok(secs >= 1 && secs <= 5, `bounded by the remaining duration (${secs} s)`);
  assert.equal(c?.command?.at(-1), "2", "two busy loops for cores: 2");
  assert.equal(c?.targetContainerName, "main");
  assert.equal(c?.securityContext?.allowPrivilegeEscalation, false);
  assert.equal(p?.status?.targets?.[0]?.pod, hogged[0]?.metadata?.name);
  const done = await waitFinished(client, ctx.ns, "hog", 30_000);
  assert.equal(done.status?.verdict, "Passed");
  assert.ok(
    Date.parse(done.status?.run?.finishedAt ?? "") >= Date.parse(done.status?.run?.endsAt ?? ""),
    "ended at its duration",
  );
});

test("suspending a CPUHog run evicts the hogged pod (an ephemeral container cannot be removed)", async () => {
  await waitForReadyPods(ctx.ns, "app=api", 4, 60_000);
  const spec = {
    fault: { type: "CPUHog", cpuHog: { cores: 1 } },
    target: { kind: "Deployment", name: "api" },
    duration: "5m",
  };
  await client.apply(policy(ctx.ns, "hog2", spec), { fieldManager: "integration-test" });
  await waitFor(
    "hog2 running",
    30_000,
    async () => (await getPolicy(client, ctx.ns, "hog2"))?.status?.run?.state === "Running",
    100,
  );
  const pod = (await getPolicy(client, ctx.ns, "hog2"))?.status?.targets?.[0]?.pod ?? "";
  assert.ok((await podUids(client, ctx.ns, "app=api")).has(pod));
  await client.apply(policy(ctx.ns, "hog2", { ...spec, suspend: true }), {
    fieldManager: "integration-test",
  });
  const done = await waitFinished(client, ctx.ns, "hog2", 60_000);
  assert.equal(done.status?.verdict, "Aborted");
  assert.equal((await podUids(client, ctx.ns, "app=api")).has(pod), false, "hogged pod evicted");
});
