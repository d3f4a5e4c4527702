// Table test of the controller's namespace fence: system namespaces and other tenants' namespaces
// are refused even when admission was bypassed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Namespace } from "@kubernetes/client-node";
import { isSystemNamespace, targetRefusal } from "./guard.ts";

const NS: Record<string, Record<string, string>> = {
  "acme-chat": { "librechat.io/tenant": "acme" },
  "acme-models": { "librechat.io/tenant": "acme" },
  "globex-models": { "librechat.io/tenant": "globex" },
  "kube-system": { "librechat.io/tenant": "acme" },
  "librechat-system": { "librechat.io/tenant": "acme" },
  unlabelled: {},
};
const namespaces = {
  get: (name: string): V1Namespace | undefined =>
    name in NS ? { metadata: { name, labels: NS[name] ?? {} } } : undefined,
};

test("targetRefusal: only namespaces of the policy's own Tenant, never system ones", () => {
  const cases: { policyNs: string; targetNs: string; want: RegExp | undefined }[] = [
    { policyNs: "acme-chat", targetNs: "acme-chat", want: undefined },
    { policyNs: "acme-chat", targetNs: "acme-models", want: undefined },
    { policyNs: "acme-chat", targetNs: "globex-models", want: /does not belong to Tenant "acme"/ },
    { policyNs: "acme-chat", targetNs: "unlabelled", want: /does not belong to Tenant "acme"/ },
    { policyNs: "acme-chat", targetNs: "missing", want: /does not belong to Tenant "acme"/ },
    {
      policyNs: "unlabelled",
      targetNs: "unlabelled",
      want: /"unlabelled" does not belong to a Tenant/,
    },
    // Labelled like a tenant namespace, still refused.
    { policyNs: "acme-chat", targetNs: "kube-system", want: /system namespace/ },
    { policyNs: "acme-chat", targetNs: "librechat-system", want: /system namespace/ },
    { policyNs: "acme-chat", targetNs: "default", want: /system namespace/ },
  ];
  for (const c of cases) {
    const got = targetRefusal({ ...c, operatorNamespace: "librechat-system", namespaces });
    if (c.want === undefined) assert.equal(got, undefined, `${c.policyNs} → ${c.targetNs}`);
    else assert.match(got ?? "", c.want, `${c.policyNs} → ${c.targetNs}`);
  }
});

test("isSystemNamespace", () => {
  assert.equal(isSystemNamespace("kube-public", "ops"), true);
  assert.equal(isSystemNamespace("kube-node-lease", "ops"), true);
  assert.equal(isSystemNamespace("ops", "ops"), true);
  assert.equal(isSystemNamespace("kubeflow", "ops"), false);
  assert.equal(isSystemNamespace("acme", "ops"), false);
});
