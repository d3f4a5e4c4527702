/**
 * Least privilege per install variant, on a real API server: every manifests/operators/<operator>
 * is applied side by side (each as its own install, with its own field manager, as the README's
 * "deploy operators separately" does). Afterwards each operator's ServiceAccount is still bound to
 * its own ClusterRole only (no install overwrote another's binding); the API server's authorizer
 * (kubectl auth can-i, a SubjectAccessReview) grants each one what its modules need and refuses what
 * only other operators need (the chaos operator cannot patch AIModel status or create namespaces);
 * the shipped scope policy covers the per-operator ServiceAccounts; and each operator's pod
 * template runs with its own token and becomes ready (./local-pod.ts), which proves its RBAC is
 * enough to sync every cache it watches. Everything but the CRDs is deleted afterwards.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { OPERATORS } from "../../../hack/generate/install.ts";
import { kubectl, kubectlOk } from "../../helpers/testenv.ts";
import { NAMESPACE, kustomize, toBundle } from "./render.ts";
import type { Bundle } from "./render.ts";
import { runPodTemplate, waitFor } from "./local-pod.ts";
import type { Deployment } from "./local-pod.ts";

const sa = (op: string): string => `system:serviceaccount:${NAMESPACE}:librechat-${op}-operator`;

/** `kubectl auth can-i` arguments → whether the operator may (true) or must not (false). */
const CAN_I: Readonly<Record<string, readonly [string[], boolean][]>> = {
  chaos: [
    [["create", "pods", "--subresource=eviction", "-A"], true],
    [["patch", "pods", "--subresource=ephemeralcontainers", "-A"], true],
    [["update", "chaospolicies.librechat.io", "--subresource=status", "-A"], true],
    [["list", "tenants.librechat.io"], true],
    [["create", "leases.coordination.k8s.io", "-n", NAMESPACE], true],
    [["get", "secrets/librechat-operators-webhook-tls", "-n", NAMESPACE], true],
    [["patch", "aimodels.librechat.io", "--subresource=status", "-A"], false],
    [["create", "namespaces"], false],
    [["create", "clusterrolebindings"], false],
    [["bind", "clusterroles/librechat-tenant-admin"], false],
    [["create", "leases.coordination.k8s.io", "-n", "default"], false],
    [["list", "secrets", "-A"], false],
  ],
  identity: [
    [["create", "namespaces"], true],
    [["bind", "clusterroles/librechat-tenant-admin"], true],
    [["create", "rolebindings", "-A"], true],
    [["patch", "tenants.librechat.io", "--subresource=status"], true],
    [["bind", "clusterroles/cluster-admin"], false],
    [["patch", "aimodels.librechat.io", "--subresource=status", "-A"], false],
    [["create", "pods", "--subresource=eviction", "-A"], false],
    [["create", "deployments.apps", "-A"], false],
  ],
  inference: [
    [["patch", "aimodels.librechat.io", "--subresource=status", "-A"], true],
    [["create", "deployments.apps", "-A"], true],
    [["create", "namespaces"], false],
    [["create", "pods", "--subresource=eviction", "-A"], false],
    [["bind", "clusterroles/librechat-tenant-admin"], false],
    [["patch", "chaospolicies.librechat.io", "--subresource=status", "-A"], false],
  ],
  chat: [
    [["patch", "chatregions.librechat.io", "--subresource=status", "-A"], true],
    [["create", "namespaces"], false],
    [["patch", "aimodels.librechat.io", "--subresource=status", "-A"], false],
    [["create", "pods", "--subresource=eviction", "-A"], false],
  ],
};

interface Binding {
  roleRef: { name: string };
  subjects: { name: string; namespace: string }[];
}

test("every operator variant installed side by side binds only its own role, and each runs with it", async (t) => {
  const ops = Object.keys(OPERATORS);
  assert.deepEqual(Object.keys(CAN_I).sort(), [...ops].sort(), "a can-i table per operator");
  const bundles = new Map<string, { text: string; bundle: Bundle }>();
  for (const op of ops) {
    const text = await kustomize(`manifests/operators/${op}`);
    bundles.set(op, { text, bundle: toBundle(text) });
  }
  t.after(async () => {
    // The CRDs stay: the test environment installed them and other tests use them.
    const rest = new Map(
      [...bundles.values()]
        .flatMap(({ bundle }) => [...bundle.entries()])
        .filter(([, o]) => o.kind !== "CustomResourceDefinition"),
    );
    await kubectl(
      ["delete", "--ignore-not-found", "--wait=false", "-f", "-"],
      [...rest.values()].map((o) => `---\n${stringify(o)}`).join(""),
    );
  });

  // One install after the other, each its own field manager: shared objects are identical, so
  // server-side apply shares them without conflicts.
  for (const [op, { text }] of bundles) {
    const applied = await kubectl(
      ["apply", "--server-side", `--field-manager=install-${op}`, "-f", "-"],
      text,
    );
    assert.equal(applied.code, 0, `${op}: ${applied.stderr}`);
  }

  for (const op of ops) {
    const name = `librechat-${op}-operator`;
    const crb = JSON.parse(
      await kubectlOk(["get", "clusterrolebinding", name, "-o", "json"]),
    ) as Binding;
    assert.equal(crb.roleRef.name, name, `${op}: its own ClusterRole`);
    assert.deepEqual(
      crb.subjects.map((s) => `${s.namespace}/${s.name}`),
      [`${NAMESPACE}/${name}`],
      `${op}: bound to its own ServiceAccount only, after every install`,
    );
  }
  const combined = await kubectl(["get", "clusterrolebinding", "librechat-operators"]);
  assert.notEqual(combined.code, 0, "no variant binds the combined role");

  for (const [op, checks] of Object.entries(CAN_I)) {
    for (const [args, want] of checks) {
      const r = await kubectl(["auth", "can-i", `--as=${sa(op)}`, ...args]);
      assert.equal(r.stdout.trim(), want ? "yes" : "no", `${op}: can-i ${args.join(" ")}`);
    }
  }

  // The scope policy covers the per-operator ServiceAccounts: the chaos operator's ClusterRole
  // lets it create ConfigMaps anywhere, the policy refuses an unlabelled one outside its namespace.
  await waitFor("the scope policy enforced on the chaos operator", 30_000, async () => {
    const cm = `---\n${stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `scope-probe-${Date.now()}`, namespace: "default" },
    })}`;
    const r = await kubectl(["create", `--as=${sa("chaos")}`, "--dry-run=server", "-f", "-"], cm);
    return r.code !== 0 && r.stderr.includes("librechat-operator-scope") ? true : undefined;
  });

  // Each operator's pod template, with its own ServiceAccount's token, syncs its caches and is ready.
  for (const [op, { bundle }] of bundles) {
    const d = bundle.get(`apps/v1 Deployment ${NAMESPACE}/librechat-${op}-operator`) as
      Deployment | undefined;
    assert.ok(d, `${op}: its Deployment`);
    assert.equal(d.spec.template.spec.serviceAccountName, `librechat-${op}-operator`);
    const pod = await runPodTemplate(t, d, `librechat-${op}-operator-local-0`);
    assert.equal(await pod.stop(), 0, pod.output().slice(-2000));
    assert.doesNotMatch(pod.output(), /forbidden/i, `${op}: no request was refused`);
  }
});
