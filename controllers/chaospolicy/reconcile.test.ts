// Table tests of the reconcile's pure parts: where the kill switch is engaged for a policy, and the
// dry-run record (exactly the targets that would be hit).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Namespace } from "@kubernetes/client-node";
import type { ChaosPolicy, ChaosPolicySpec } from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { dryRunMessage, killSwitchOf } from "./reconcile.ts";

function policy(fault: ChaosPolicySpec["fault"]): ChaosPolicy {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChaosPolicy",
    metadata: { name: "p", namespace: "acme-chat" },
    spec: {
      fault,
      target: { kind: "AIModel", name: "m" },
      duration: "1m",
      dryRun: true,
      suspend: false,
    },
  };
}

const ENGAGED = { "librechat.io/chaos-kill-switch": "engaged" };

function deps(o: {
  opNs?: Record<string, string>;
  tenant?: Record<string, string>;
  label?: boolean;
}) {
  const ns: Record<string, V1Namespace> = {
    ops: { metadata: { name: "ops", annotations: o.opNs ?? {} } },
    "acme-chat": {
      metadata: {
        name: "acme-chat",
        labels: o.label === false ? {} : { "librechat.io/tenant": "acme" },
      },
    },
  };
  const tenants: Record<string, Tenant> = {
    acme: { metadata: { name: "acme", annotations: o.tenant ?? {} } } as Tenant,
  };
  return {
    namespaces: { get: (n: string) => ns[n] },
    tenants: { get: (n: string) => tenants[n] },
    config: { operatorNamespace: "ops", stressImage: "x", probeTimeoutMs: 1000 },
  };
}

test("killSwitchOf: operator namespace first, then the policy's Tenant; only the exact value engages", () => {
  const p = policy({ type: "PodDelete" });
  assert.equal(killSwitchOf(deps({}), p), undefined);
  assert.equal(killSwitchOf(deps({ opNs: ENGAGED }), p), 'namespace "ops" (cluster-wide)');
  assert.equal(killSwitchOf(deps({ tenant: ENGAGED }), p), 'Tenant "acme"');
  assert.equal(
    killSwitchOf(deps({ opNs: ENGAGED, tenant: ENGAGED }), p),
    'namespace "ops" (cluster-wide)',
  );
  assert.equal(
    killSwitchOf(deps({ tenant: { "librechat.io/chaos-kill-switch": "Engaged" } }), p),
    undefined,
  );
  assert.equal(
    killSwitchOf(deps({ tenant: ENGAGED, label: false }), p),
    undefined,
    "no Tenant label: only the cluster switch applies",
  );
});

test("dryRunMessage names exactly what would be hit, why less, and a probe already failing", () => {
  const cases: {
    fault: ChaosPolicySpec["fault"];
    names: string[];
    why: string;
    bad?: { name: string; ok: boolean; value: string };
    want: string;
  }[] = [
    {
      fault: { type: "PodDelete" },
      names: ["ns/a", "ns/b"],
      why: "",
      want: "would evict ns/a, ns/b",
    },
    { fault: { type: "CPUHog" }, names: ["ns/a"], why: "", want: "would hog ns/a" },
    {
      fault: { type: "ProviderFailure" },
      names: ["ns/m"],
      why: "",
      want: "would inject ProviderFailure into ns/m",
    },
    {
      fault: { type: "PodDelete" },
      names: [],
      why: "blast radius in use by ns/other",
      want: "would evict nothing (blast radius in use by ns/other)",
    },
    {
      fault: { type: "PodDelete" },
      names: ["ns/a"],
      why: "",
      bad: { name: "up", ok: false, value: "503" },
      want: "would evict ns/a; probe up failing (503)",
    },
  ];
  for (const c of cases)
    assert.equal(dryRunMessage(policy(c.fault), { names: c.names, why: c.why }, c.bad), c.want);
});
