// Keycloak stopped for 60 s (its process group frozen with SIGSTOP, so connections hang as with a
// dead host) while a Tenant changes: the Tenant turns Degraded with a reason, the operator keeps
// running, and once Keycloak continues the change is applied and the Tenant is Ready again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testEnv } from "../../helpers/testenv.ts";
import {
  applyTenant,
  conditionOf,
  identity,
  realmGet,
  tenantFile,
  waitCondition,
} from "./fixtures.ts";

const f = tenantFile("tenant-outage");

function manifest(name: string, groups: string[]): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "o" }],
      identity: { ...identity(f, name), groups: groups.map((g) => ({ name: g })) },
      deletionPolicy: "Delete",
    },
  };
}

test("Keycloak stopped for 60 s: Degraded with a reason, then Ready with the change, without an operator restart", async () => {
  const name = `out-${f.id}`;
  await applyTenant(f, manifest(name, ["staff"]));
  await waitCondition(f, name, "Ready", "True", 240_000);
  const pid = Number(readFileSync(join(testEnv().dir, "keycloak.pid"), "utf8").trim());
  const operatorPid = f.op.child.pid;
  process.kill(-pid, "SIGSTOP");
  const stoppedAt = Date.now();
  let resumed = false;
  const resume = (): void => {
    if (!resumed) process.kill(-pid, "SIGCONT");
    resumed = true;
  };
  try {
    await applyTenant(f, manifest(name, ["staff", "ops"]));
    const t = await waitCondition(f, name, "Degraded", "True", 58_000);
    assert.equal(conditionOf(t, "Degraded")?.reason, "KeycloakUnreachable");
    assert.match(conditionOf(t, "Degraded")?.message ?? "", /unreachable/);
    assert.equal(conditionOf(t, "Ready")?.status, "False");
    await new Promise((r) => setTimeout(r, Math.max(0, 60_000 - (Date.now() - stoppedAt))));
  } finally {
    resume();
  }
  const t = await waitCondition(f, name, "Ready", "True", 180_000);
  assert.equal(conditionOf(t, "Degraded")?.status, "False");
  const groups = await realmGet<{ name: string }[]>(`/${name}/groups`);
  assert.deepEqual(
    groups.map((g) => g.name).sort(),
    ["ops", "staff"],
    "the change made during the outage is applied",
  );
  assert.equal(f.op.child.pid, operatorPid);
  assert.equal(f.op.child.exitCode, null, "operator never exited");
});
