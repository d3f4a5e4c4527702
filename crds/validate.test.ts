// Tests of offline document validation (schema + CEL) used by librechatctl validate.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AIMODEL, TENANT } from "./registry.ts";
import { compileRule, validateDocument, validateObject } from "./validate.ts";
import { validCases as tenantValid } from "./tenant/v1alpha1/cases.ts";
import { mergePatch } from "./shared/cases.ts";
import type { JsonObject } from "./shared/cases.ts";

const model: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  metadata: { name: "m" },
  spec: { provider: "vllm", modelName: "m", engine: { image: "x" } },
};

void describe("validateObject", () => {
  void it("applies schema defaults before CEL, like the API server", () => {
    // healthCheck: {} defaults to interval 30 / timeout 5, which satisfies timeout <= interval.
    assert.deepEqual(validateObject(AIMODEL, mergePatch(model, { spec: { healthCheck: {} } })), []);
    // Only intervalSeconds given: the defaulted timeoutSeconds (5) is compared with it.
    const errors = validateObject(
      AIMODEL,
      mergePatch(model, { spec: { healthCheck: { intervalSeconds: 2 } } }),
    );
    assert.deepEqual(
      errors.map((e) => e.path),
      ["spec.healthCheck.timeoutSeconds"],
    );
  });

  void it("does not mutate its input", () => {
    const input = structuredClone(model);
    validateObject(AIMODEL, input);
    assert.deepEqual(input, model);
  });

  void it("skips transition rules without an old object and applies them with one", () => {
    const base = tenantValid.find((c) => c.name === "identity with policies and providers")!.object;
    const renamed = mergePatch(base, { spec: { identity: { realm: { name: "renamed" } } } });
    assert.deepEqual(validateObject(TENANT, renamed), []);
    const errors = validateObject(TENANT, renamed, { oldObject: base });
    assert.deepEqual(
      errors.map((e) => `${e.path}: ${e.message}`),
      ['spec.identity.realm.name: Invalid value: "object": realm.name is immutable'],
    );
  });

  void it("runs no CEL rule on an object that fails the schema, and says so", () => {
    const errors = validateObject(
      AIMODEL,
      mergePatch(model, { spec: { modelName: null, minReplicas: 5, maxReplicas: 1 } }),
    );
    assert.deepEqual(
      errors.map((e) => `${e.path}: ${e.message}`),
      [
        "spec.modelName: Required value",
        ": some validation rules were not checked because the object was invalid",
      ],
    );
  });

  void it("requires a name or generateName", () => {
    const errors = validateObject(AIMODEL, mergePatch(model, { metadata: { name: null } }));
    assert.equal(errors[0]?.path, "metadata.name");
    assert.deepEqual(
      validateObject(AIMODEL, mergePatch(model, { metadata: { name: null, generateName: "m-" } })),
      [],
    );
  });

  void it("refuses a namespace on a cluster-scoped Tenant", () => {
    const tenant = tenantValid[0]!.object;
    const errors = validateObject(TENANT, mergePatch(tenant, { metadata: { namespace: "x" } }));
    assert.equal(errors[0]?.path, "metadata.namespace");
  });
});

void describe("validateDocument", () => {
  void it("names unknown kinds and non-objects", () => {
    assert.match(
      validateDocument({ apiVersion: "librechat.io/v1alpha1", kind: "Nope" }, 0).errors[0]!.message,
      /unknown apiVersion\/kind/,
    );
    assert.match(validateDocument("text", 3).errors[0]!.message, /not an object/);
  });
});

void describe("CEL environment", () => {
  void it("has the Kubernetes list sum() and the strings extension", () => {
    assert.equal(compileRule("[10, 20, 70].sum() == 100")({}), true);
    assert.equal(
      compileRule("'acme-chat'.substring(0, 4) == 'acme' && 'acme-chat'.charAt(4) == '-'")({}),
      true,
    );
    assert.equal(compileRule("duration('90m') > duration('1h')")({}), true);
  });

  void it("rejects syntax errors at compile time", () => {
    assert.throws(() => compileRule("self.a ==="));
  });
});
