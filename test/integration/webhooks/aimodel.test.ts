// AIModel defaulting webhook through the real API server: label librechat.io/model-name follows
// spec.modelName (sanitized into a label value), overwriting a spoofed value.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { aimodel } from "./fixtures.ts";

let h: Harness;
let ns: string;

function label(stored: Record<string, unknown>): string | undefined {
  return (stored["metadata"] as { labels?: Record<string, string> }).labels?.[
    "librechat.io/model-name"
  ];
}

describe("AIModel defaulting webhook", () => {
  before(async () => {
    h = await startHarness();
    ns = await h.namespace("models");
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    {
      name: "label set from spec.modelName",
      object: aimodel("plain", ns),
      check: (s) => {
        assert.equal(label(s), "llama-3.1-8b");
      },
    },
    {
      name: "slashes and colons sanitized",
      object: aimodel("hf", ns, { modelName: "meta-llama/Llama-3.1-8B:q4" }),
      check: (s) => {
        assert.equal(label(s), "meta-llama-Llama-3.1-8B-q4");
      },
    },
    {
      name: "spoofed label overwritten",
      object: {
        ...aimodel("spoof", ns),
        metadata: { name: "spoof", namespace: ns, labels: { "librechat.io/model-name": "gpt-4o" } },
      },
      check: (s) => {
        assert.equal(label(s), "llama-3.1-8b");
      },
    },
  ];

  it("defaults every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});
