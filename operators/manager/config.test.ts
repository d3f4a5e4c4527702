import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "./config.ts";

test("defaults bind probes and metrics to loopback and elect a leader", () => {
  const c = parseConfig([], {});
  assert.notEqual(c, "help");
  if (c === "help") return;
  assert.deepEqual(c.metrics, { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(c.health, { host: "127.0.0.1", port: 8081 });
  assert.equal(c.leaderElect, true);
  assert.equal(c.leaseNamespace, "default");
  assert.equal(c.namespace, undefined);
  assert.deepEqual([c.leaseDurationMs, c.renewDeadlineMs, c.retryPeriodMs], [15000, 10000, 2000]);
});

test("flags win over environment", () => {
  const c = parseConfig(["--namespace", "a", "--leader-elect=false", "--metrics-bind-address=0"], { WATCH_NAMESPACE: "b", LEADER_ELECT: "true" });
  if (c === "help") throw new Error("unexpected help");
  assert.equal(c.namespace, "a");
  assert.equal(c.leaderElect, false);
  assert.equal(c.metrics, undefined);
});

test("POD_NAMESPACE is the default lease namespace and POD_NAME the identity", () => {
  const c = parseConfig([], { POD_NAMESPACE: "ops", POD_NAME: "op-0" });
  if (c === "help") throw new Error("unexpected help");
  assert.equal(c.leaseNamespace, "ops");
  assert.equal(c.identity, "op-0");
});

const bad: { argv: string[]; env?: Record<string, string>; msg: RegExp }[] = [
  { argv: ["--leader-elect=maybe"], msg: /--leader-elect must be true or false/ },
  { argv: ["--aimodel-concurrency", "0"], msg: /--aimodel-concurrency must be an integer/ },
  { argv: [], env: { HEALTH_PROBE_BIND_ADDRESS: "x:y" }, msg: /--health-probe-bind-address must be host:port/ },
  { argv: ["--leader-elect-lease-duration=5", "--leader-elect-renew-deadline=6"], msg: /lease-duration > renew-deadline > retry-period/ },
  { argv: ["--leader-elect-retry-period=-1"], msg: /--leader-elect-retry-period must be a number of seconds/ },
  { argv: ["--webhooks=maybe"], msg: /--webhooks must be off, cluster or local/ },
  { argv: ["stray"], msg: /unexpected argument "stray"/ },
  { argv: ["--namespace"], msg: /flag --namespace needs a value/ },
];
for (const c of bad) {
  test(`rejects ${c.argv.join(" ") || JSON.stringify(c.env)}`, () => {
    assert.throws(() => parseConfig(c.argv, c.env ?? {}), (e: unknown) => e instanceof ConfigError && c.msg.test(e.message));
  });
}

test("--help", () => { assert.equal(parseConfig(["--help"], {}), "help"); });
