import { test } from "node:test";
import assert from "node:assert/strict";
import { IdentitySchedule } from "./schedule.ts";

test("first sight and a new generation are due; an unchanged one waits for the resync interval", () => {
  const s = new IdentitySchedule();
  assert.equal(s.due("u", 1, "30s", 0), true);
  s.succeeded("u", 1, 0);
  assert.equal(
    s.due("u", 1, "30s", 10_000),
    false,
    "status-only update (same generation) does not re-run Keycloak",
  );
  assert.equal(s.due("u", 2, "30s", 10_000), true, "spec change runs at once");
  assert.equal(s.due("u", 1, "30s", 30_000), true, "resync interval elapsed");
  assert.equal(s.dueInMs("u", "30s", 10_000), 20_000);
});

test("failures back off exponentially and success resets them", () => {
  const s = new IdentitySchedule();
  s.failed("u", 0);
  assert.equal(s.due("u", 1, "5m", 500), false);
  assert.equal(s.due("u", 1, "5m", 1000), true);
  s.failed("u", 1000);
  assert.equal(s.due("u", 1, "5m", 2500), false);
  assert.equal(s.due("u", 1, "5m", 3000), true);
  s.succeeded("u", 1, 3000);
  assert.equal(s.due("u", 1, "5m", 4000), false);
});
