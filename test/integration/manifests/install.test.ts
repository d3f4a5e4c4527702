// The install manifests (CRDs, RBAC, operator Deployment) are valid for a real API server: a
// server-side dry run of the kustomization accepts every object.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../helpers/testenv.ts";

test("manifests/default applies cleanly (server-side dry run)", async () => {
  // A dry run cannot create the namespace the namespaced objects go into.
  const ns = await kubectl(["apply", "--server-side", "-f", "manifests/manager/namespace.yaml"]);
  assert.equal(ns.code, 0, ns.stderr);
  const r = await kubectl(["apply", "--server-side", "--dry-run=server", "-k", "manifests/default"]);
  assert.equal(r.code, 0, r.stderr);
  for (const kind of ["customresourcedefinition.apiextensions.k8s.io/aimodels.librechat.io", "clusterrole.rbac.authorization.k8s.io/librechat-operators", "deployment.apps/librechat-operators", "validatingwebhookconfiguration.admissionregistration.k8s.io/librechat-operators-validating", "service/librechat-operators-webhook"]) {
    assert.match(r.stdout, new RegExp(kind.replace(/\./g, "\\.")));
  }
});
