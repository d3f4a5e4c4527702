// Tests of the manager program's configuration: defaults, flag/env precedence, --controllers
// selection and per-operator Lease names, module flags, and clear errors for bad values.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ControllerModule } from "../../operators/runtime/module.ts";
import {
  ConfigError,
  DEFAULT_LEASE_NAME,
  leaseNameFor,
  parseConfig,
  selectModules,
} from "./config.ts";
import { MODULES } from "./modules.ts";

const mod = (
  name: string,
  operator: ControllerModule["operator"],
  flags: ControllerModule["flags"] = {},
): ControllerModule => ({
  name,
  operator,
  flags,
  clusterRules: [],
  setup: () => undefined,
});
const FAKE = [
  mod("aimodel", "inference", {
    "aimodel-concurrency": {
      type: "string",
      env: "AIMODEL_CONCURRENCY",
      default: "4",
      description: "workers",
    },
  }),
  mod("assistant", "inference"),
  mod("tenant", "identity"),
  mod("chatregion", "chat"),
];

function parse(
  argv: string[],
  env: Record<string, string> = {},
  modules: readonly ControllerModule[] = FAKE,
): Exclude<ReturnType<typeof parseConfig>, "help"> {
  const c = parseConfig(argv, env, modules);
  if (c === "help") throw new Error("unexpected help");
  return c;
}

test("defaults bind probes and metrics to loopback, elect a leader and run every controller", () => {
  const c = parse([]);
  assert.deepEqual(c.metrics, { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(c.health, { host: "127.0.0.1", port: 8081 });
  assert.equal(c.leaderElect, true);
  assert.equal(c.leaseNamespace, "default");
  assert.equal(c.leaseName, DEFAULT_LEASE_NAME);
  assert.equal(c.namespace, undefined);
  assert.deepEqual(
    c.modules.map((m) => m.name),
    ["aimodel", "assistant", "tenant", "chatregion"],
  );
  assert.deepEqual([c.leaseDurationMs, c.renewDeadlineMs, c.retryPeriodMs], [15000, 10000, 2000]);
});

test("flags win over environment", () => {
  const c = parse(["--namespace", "a", "--leader-elect=false", "--metrics-bind-address=0"], {
    WATCH_NAMESPACE: "b",
    LEADER_ELECT: "true",
  });
  assert.equal(c.namespace, "a");
  assert.equal(c.leaderElect, false);
  assert.equal(c.metrics, undefined);
});

test("POD_NAMESPACE is the default lease and operator namespace, POD_NAME the identity", () => {
  const c = parse([], { POD_NAMESPACE: "ops", POD_NAME: "op-0" });
  assert.equal(c.leaseNamespace, "ops");
  assert.equal(c.operatorNamespace, "ops");
  assert.equal(c.identity, "op-0");
});

test("module flags reach only their module, from flags or environment", () => {
  const c = parse(["--controllers=aimodel"], { AIMODEL_CONCURRENCY: "7" });
  assert.deepEqual(c.moduleFlags.get("aimodel"), { "aimodel-concurrency": "7" });
  assert.equal(c.moduleFlags.get("tenant"), undefined);
});

const leases: { list: string; want: string }[] = [
  { list: "*", want: "librechat-operator" },
  { list: "aimodel,assistant,tenant,chatregion", want: "librechat-operator" },
  { list: "aimodel,assistant", want: "librechat-inference-operator" },
  { list: "tenant", want: "librechat-identity-operator" },
  { list: "chatregion", want: "librechat-chat-operator" },
  { list: "aimodel", want: "librechat-operator-aimodel" },
  { list: "tenant,aimodel", want: "librechat-operator-aimodel-tenant" },
];
for (const c of leases) {
  test(`--controllers=${c.list} elects on Lease ${c.want}`, () => {
    assert.equal(leaseNameFor(selectModules(c.list, FAKE), FAKE), c.want);
    assert.equal(parse([`--controllers=${c.list}`]).leaseName, c.want);
  });
}

test("an explicit --lease-name wins over the derived one", () => {
  assert.equal(parse(["--controllers=tenant", "--lease-name=x"]).leaseName, "x");
});

test("the real module list: aimodel, gateway-config and gateway-metrics are the whole inference operator", () => {
  const inference = MODULES.filter((m) => m.operator === "inference").map((m) => m.name);
  assert.deepEqual(inference, ["aimodel", "gateway-config", "gateway-metrics"]);
  assert.equal(
    parse([`--controllers=${inference.join(",")}`], {}, MODULES).leaseName,
    MODULES.length === inference.length ? DEFAULT_LEASE_NAME : "librechat-inference-operator",
  );
  // One of them alone is a subset: its own Lease, never the operator's.
  assert.equal(
    parse(["--controllers=aimodel"], {}, MODULES).leaseName,
    `${DEFAULT_LEASE_NAME}-aimodel`,
  );
});

const bad: { argv: string[]; env?: Record<string, string>; msg: RegExp }[] = [
  { argv: ["--leader-elect=maybe"], msg: /--leader-elect must be true or false/ },
  {
    argv: [],
    env: { HEALTH_PROBE_BIND_ADDRESS: "x:y" },
    msg: /--health-probe-bind-address must be host:port/,
  },
  {
    argv: ["--leader-elect-lease-duration=5", "--leader-elect-renew-deadline=6"],
    msg: /lease-duration > renew-deadline > retry-period/,
  },
  {
    argv: ["--leader-elect-retry-period=-1"],
    msg: /--leader-elect-retry-period must be a number of seconds/,
  },
  { argv: ["--webhooks=maybe"], msg: /--webhooks must be off, cluster or local/ },
  {
    argv: ["--controllers=aimodel,nope"],
    msg: /unknown controller "nope" \(known: aimodel, assistant, tenant, chatregion\)/,
  },
  { argv: ["--controllers=,"], msg: /must name at least one controller/ },
  { argv: ["stray"], msg: /Unexpected argument 'stray'/ },
  { argv: ["--namespace"], msg: /argument missing/ },
];
for (const c of bad) {
  test(`rejects ${c.argv.join(" ") || JSON.stringify(c.env)}`, () => {
    assert.throws(
      () => parseConfig(c.argv, c.env ?? {}, FAKE),
      (e: unknown) => e instanceof ConfigError && c.msg.test(e.message),
    );
  });
}

test("--help", () => {
  assert.equal(parseConfig(["--help"], {}, FAKE), "help");
});
