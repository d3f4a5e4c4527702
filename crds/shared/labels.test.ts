// Table test of the one label-value sanitiser shared by controllers and webhooks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isLabelValue, labelValue, LABEL_VALUE_MAX_LENGTH } from "./labels.ts";

const cases: { name: string; in: string; want: string }[] = [
  { name: "valid value unchanged", in: "llama-3.1-8b", want: "llama-3.1-8b" },
  {
    name: "slashes and colons become dashes",
    in: "meta-llama/Llama-3.1:8B",
    want: "meta-llama-Llama-3.1-8B",
  },
  { name: "leading punctuation trimmed", in: "--_.llama", want: "llama" },
  { name: "trailing punctuation trimmed", in: "llama._-", want: "llama" },
  { name: "both ends, after replacement", in: "/llama/", want: "llama" },
  { name: "long value cut to 63", in: "a".repeat(80), want: "a".repeat(63) },
  {
    name: "cut that exposes a trailing dash is trimmed again",
    in: `${"a".repeat(62)}/b`,
    want: "a".repeat(62),
  },
  { name: "nothing alphanumeric left", in: "/-/", want: "" },
  { name: "empty stays empty", in: "", want: "" },
  { name: "unicode replaced", in: "modèle", want: "mod-le" },
];
for (const c of cases) {
  test(`labelValue: ${c.name}`, () => {
    const v = labelValue(c.in);
    assert.equal(v, c.want);
    assert.ok(v.length <= LABEL_VALUE_MAX_LENGTH);
    assert.ok(isLabelValue(v), `"${v}" must be a valid label value`);
  });
}

test("isLabelValue rejects what the API server rejects", () => {
  for (const bad of ["-a", "a-", "a/b", "a".repeat(64)])
    assert.equal(isLabelValue(bad), false, bad);
});
