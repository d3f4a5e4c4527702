// Tests of AdmissionReview parsing and answers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { allow, deny, parseAdmissionReview, pointerSegment } from "./review.ts";
import { review } from "./testing/reviews.ts";

describe("parseAdmissionReview", () => {
  it("accepts a well-formed review", () => {
    const r = parseAdmissionReview(review());
    assert.ok(r.ok);
    assert.equal(r.request.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert.equal(r.request.operation, "CREATE");
    assert.equal(r.request.kind.kind, "Assistant");
    assert.deepEqual(r.request.userInfo.groups, ["system:masters"]);
  });

  const malformed: { name: string; body: unknown; error: RegExp }[] = [
    { name: "not an object", body: "x", error: /^body: must be a JSON object/ },
    { name: "array", body: [], error: /^body: must be a JSON object/ },
    { name: "null", body: null, error: /^body: must be a JSON object/ },
    {
      name: "v1beta1",
      body: { ...review(), apiVersion: "admission.k8s.io/v1beta1" },
      error: /^apiVersion: must be "admission.k8s.io\/v1" \(got "admission.k8s.io\/v1beta1"\)/,
    },
    {
      name: "wrong kind",
      body: { ...review(), kind: "Pod" },
      error: /^kind: must be "AdmissionReview"/,
    },
    {
      name: "no request",
      body: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" },
      error: /^request: must be an object/,
    },
    {
      name: "no uid",
      body: review({ uid: undefined }),
      error: /^request.uid: must be a non-empty string/,
    },
    { name: "numeric uid", body: review({ uid: 7 }), error: /^request.uid/ },
    {
      name: "bad operation",
      body: review({ operation: "PATCH" }),
      error: /^request.operation: must be one of CREATE, UPDATE, DELETE, CONNECT \(got "PATCH"\)/,
    },
    {
      name: "kind not an object",
      body: review({ kind: "Assistant" }),
      error: /^request.kind: must be an object/,
    },
    {
      name: "kind without version",
      body: review({ kind: { group: "", kind: "X" } }),
      error: /^request.kind.version: must be a string/,
    },
    {
      name: "resource missing",
      body: review({ resource: undefined }),
      error: /^request.resource: must be an object/,
    },
    {
      name: "object is a string",
      body: review({ object: "x" }),
      error: /^request.object: must be an object or null/,
    },
    {
      name: "object metadata is a list",
      body: review({ object: { metadata: [] } }),
      error: /^request.object.metadata: must be an object/,
    },
    {
      name: "CREATE without object",
      body: review({ object: null }),
      error: /^request.object: required for CREATE/,
    },
  ];
  for (const c of malformed) {
    it(`rejects ${c.name}`, () => {
      const r = parseAdmissionReview(c.body);
      assert.ok(!r.ok);
      assert.match(r.error, c.error);
    });
  }

  it("allows DELETE without object", () => {
    assert.ok(
      parseAdmissionReview(
        review({ operation: "DELETE", object: null, oldObject: { metadata: {} } }),
      ).ok,
    );
  });
});

describe("responses", () => {
  it("allow echoes the uid and base64-encodes a JSON patch", () => {
    const r = allow("u1", [{ op: "add", path: "/spec/x", value: 1 }]);
    assert.equal(r.apiVersion, "admission.k8s.io/v1");
    assert.equal(r.kind, "AdmissionReview");
    assert.equal(r.response.uid, "u1");
    assert.equal(r.response.allowed, true);
    assert.equal(r.response.patchType, "JSONPatch");
    assert.deepEqual(JSON.parse(Buffer.from(r.response.patch ?? "", "base64").toString()), [
      { op: "add", path: "/spec/x", value: 1 },
    ]);
    assert.equal(allow("u2", []).response.patch, undefined);
  });

  it("deny names every field in message and causes", () => {
    const r = deny("u1", [
      { field: "spec.variants", message: "weights must sum to 100 (got 90)" },
      {
        field: "spec.versions[0].modelRef",
        message: 'AIModel "x" not found',
        type: "FieldValueNotFound",
      },
    ]);
    assert.equal(r.response.allowed, false);
    assert.equal(r.response.uid, "u1");
    assert.equal(r.response.status?.code, 422);
    assert.equal(
      r.response.status.message,
      'spec.variants: weights must sum to 100 (got 90); spec.versions[0].modelRef: AIModel "x" not found',
    );
    assert.deepEqual(
      r.response.status.details!.causes.map((c) => [c.field, c.reason]),
      [
        ["spec.variants", "FieldValueInvalid"],
        ["spec.versions[0].modelRef", "FieldValueNotFound"],
      ],
    );
    assert.equal(
      deny("u", [{ field: "f", message: "m", type: "FieldValueForbidden" }]).response.status?.code,
      403,
    );
  });

  it("escapes JSON pointer segments", () => {
    assert.equal(pointerSegment("librechat.io/model-name"), "librechat.io~1model-name");
    assert.equal(pointerSegment("a~b"), "a~0b");
  });
});
