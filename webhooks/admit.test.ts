// Tests of admit(): deadlines, failure policies, rule errors and patch encoding.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { admit } from "./admit.ts";
import { HANDLERS } from "./handlers.ts";
import { parseAdmissionReview } from "./review.ts";
import type { AdmissionRequest } from "./review.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { DEFAULT_POLICY } from "./types.ts";
import type { WebhookHandler } from "./types.ts";
import { review } from "./testing/reviews.ts";

function handler(type: "validating" | "mutating", name: string): WebhookHandler {
  const h = HANDLERS.find((x) => x.type === type && x.name === name);
  assert.ok(h);
  return h;
}

function request(overrides: Record<string, unknown> = {}): AdmissionRequest {
  const r = parseAdmissionReview(
    review({
      object: {
        apiVersion: "librechat.io/v1alpha1",
        kind: "Assistant",
        metadata: { name: "a", namespace: "team-a" },
        spec: {
          versions: [{ name: "v1", modelRef: "llama" }],
          variants: [{ version: "v1", weight: 100 }],
        },
      },
      ...overrides,
    }),
  );
  assert.ok(r.ok);
  return r.request;
}

describe("admit", () => {
  it("answers by the deadline when a lookup hangs, denying under failurePolicy Fail", async () => {
    const lookup = new FakeLookup();
    lookup.hang = true;
    const started = performance.now();
    const answer = await admit(handler("validating", "assistant"), request(), {
      lookup,
      policy: DEFAULT_POLICY,
      deadlineMs: 200,
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed}ms`);
    assert.equal(answer.response.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status?.code, 504);
    assert.match(answer.response.status.message, /could not decide in time.*failurePolicy Fail/);
  });

  it("defaulting runs on a label-only UPDATE, so a spoofed derived label is corrected", async () => {
    const model = (labels: Record<string, string>) => ({
      apiVersion: "librechat.io/v1alpha1",
      kind: "AIModel",
      metadata: { name: "m", namespace: "team-a", labels },
      spec: {
        provider: "vllm",
        modelName: "llama-3.1-8b",
        engine: { image: "vllm/vllm-openai:v1" },
      },
    });
    const spoofed = parseAdmissionReview(
      review({
        kind: { group: "librechat.io", version: "v1alpha1", kind: "AIModel" },
        resource: { group: "librechat.io", version: "v1alpha1", resource: "aimodels" },
        name: "m",
        operation: "UPDATE",
        object: model({ "librechat.io/model-name": "gpt-4o" }),
        oldObject: model({ "librechat.io/model-name": "llama-3.1-8b" }),
      }),
    );
    assert.ok(spoofed.ok);
    const answer = await admit(handler("mutating", "aimodel"), spoofed.request, {
      lookup: new FakeLookup(),
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(answer.response.allowed, true);
    const patch = JSON.parse(
      Buffer.from(answer.response.patch ?? "", "base64").toString("utf8"),
    ) as unknown;
    assert.deepEqual(patch, [
      { op: "add", path: "/metadata/labels/librechat.io~1model-name", value: "llama-3.1-8b" },
    ]);
  });

  it("denies with 500 when a lookup fails under failurePolicy Fail", async () => {
    const lookup = new FakeLookup();
    lookup.fail = new Error("connection refused");
    const answer = await admit(handler("validating", "assistant"), request(), {
      lookup,
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status?.code, 500);
    assert.match(answer.response.status.message, /connection refused/);
  });

  it("allows with a warning and no patch when a mutating rule throws (failurePolicy Ignore)", async () => {
    const throwing: WebhookHandler = {
      ...handler("mutating", "assistant"),
      type: "mutating",
      default: () => {
        throw new Error("boom");
      },
    };
    const answer = await admit(throwing, request(), {
      lookup: new FakeLookup(),
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(answer.response.allowed, true);
    assert.equal(answer.response.patch, undefined);
    assert.match(answer.response.warnings?.[0] ?? "", /boom.*failurePolicy Ignore/);
  });

  it("passes DELETE without evaluating rules", async () => {
    const lookup = new FakeLookup();
    lookup.hang = true;
    const answer = await admit(
      handler("validating", "assistant"),
      request({ operation: "DELETE", object: null, oldObject: {} }),
      { lookup, policy: DEFAULT_POLICY, deadlineMs: 50 },
    );
    assert.equal(answer.response.allowed, true);
    assert.equal(lookup.calls, 0);
  });

  it("refuses a review for another kind (misrouted configuration)", async () => {
    const answer = await admit(handler("validating", "tenant"), request(), {
      lookup: new FakeLookup(),
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(answer.response.allowed, false);
    assert.match(
      answer.response.status!.message,
      /handles librechat.io\/v1alpha1 Tenant, got librechat.io\/v1alpha1\/Assistant/,
    );
  });

  it("allows a valid object and denies an invalid one with field paths", async () => {
    const lookup = new FakeLookup().addNamespace("team-a");
    lookup.add(
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "AIModel",
        plural: "aimodels",
        namespaced: true,
      },
      { metadata: { name: "llama", namespace: "team-a" } },
    );
    const ok = await admit(handler("validating", "assistant"), request(), {
      lookup,
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(ok.response.allowed, true);
    const bad = request({
      object: {
        metadata: { name: "a" },
        spec: {
          versions: [{ name: "v1", modelRef: "gone" }],
          variants: [{ version: "v1", weight: 90 }],
        },
      },
    });
    const no = await admit(handler("validating", "assistant"), bad, {
      lookup,
      policy: DEFAULT_POLICY,
      deadlineMs: 1000,
    });
    assert.equal(no.response.allowed, false);
    // The missing model is not a reason to deny (GitOps order): only the weights are.
    assert.equal(no.response.status?.message, "spec.variants: weights must sum to 100 (got 90)");
    assert.deepEqual(
      no.response.status.details!.causes.map((c) => c.field),
      ["spec.variants"],
    );
    // With valid weights the missing model is admitted with a warning naming it.
    const later = await admit(
      handler("validating", "assistant"),
      request({
        object: {
          metadata: { name: "a" },
          spec: {
            versions: [{ name: "v1", modelRef: "later" }],
            variants: [{ version: "v1", weight: 100 }],
          },
        },
      }),
      { lookup, policy: DEFAULT_POLICY, deadlineMs: 1000 },
    );
    assert.equal(later.response.allowed, true);
    assert.deepEqual(later.response.warnings, [
      'spec.versions[0].modelRef: AIModel "later" not found in namespace "team-a" (yet); admitted, the Assistant reports the unresolved reference in its status',
    ]);
  });

  it("never blocks updates of objects being deleted or metadata-only updates", async () => {
    const lookup = new FakeLookup();
    lookup.hang = true;
    const obj = {
      metadata: { name: "a" },
      spec: {
        versions: [{ name: "v1", modelRef: "gone" }],
        variants: [{ version: "v1", weight: 90 }],
      },
    };
    const deps = { lookup, policy: DEFAULT_POLICY, deadlineMs: 100 };
    const finalizerRemoval = request({
      operation: "UPDATE",
      object: { ...obj, metadata: { name: "a", deletionTimestamp: "2026-11-27T12:00:00Z" } },
      oldObject: obj,
    });
    assert.equal(
      (await admit(handler("validating", "assistant"), finalizerRemoval, deps)).response.allowed,
      true,
    );
    const labelOnly = request({
      operation: "UPDATE",
      object: { ...obj, metadata: { name: "a", labels: { x: "y" } } },
      oldObject: obj,
    });
    assert.equal(
      (await admit(handler("validating", "assistant"), labelOnly, deps)).response.allowed,
      true,
    );
    assert.equal(lookup.calls, 0);
    const specChange = request({
      operation: "UPDATE",
      object: { ...obj, spec: { ...obj.spec, displayName: "x" } },
      oldObject: obj,
    });
    assert.equal(
      (await admit(handler("validating", "assistant"), specChange, deps)).response.allowed,
      false,
    );
  });
});
