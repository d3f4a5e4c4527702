// Table tests of the reservation bound: every field that can add cost is counted, what cannot be
// bounded is refused with a coded 400.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayError } from "../errors.ts";
import { chatBound, embeddingBound, microUnits } from "./bound.ts";

const msg = [{ role: "user", content: "hello" }];
const bytes = (b: unknown): number => Buffer.byteLength(JSON.stringify(b));
const OPTS = { imageTokens: 1000, maxChoices: 4 };

const cases: {
  name: string;
  body: Record<string, unknown>;
  want: { maxTokens: number; n: number; inputTokens?: number; outputTokens: number };
}[] = [
  {
    name: "max_tokens absent: the model default",
    body: { model: "m", messages: msg },
    want: { maxTokens: 256, n: 1, outputTokens: 256 },
  },
  {
    name: "max_tokens null: the model default, not unlimited",
    body: { model: "m", messages: msg, max_tokens: null, max_completion_tokens: null },
    want: { maxTokens: 256, n: 1, outputTokens: 256 },
  },
  {
    name: "max_completion_tokens counts like max_tokens",
    body: { model: "m", messages: msg, max_completion_tokens: 40 },
    want: { maxTokens: 40, n: 1, outputTokens: 40 },
  },
  {
    name: "both: the smaller, which is what is sent upstream in both fields",
    body: { model: "m", messages: msg, max_completion_tokens: 40, max_tokens: 900 },
    want: { maxTokens: 40, n: 1, outputTokens: 40 },
  },
  {
    name: "n choices multiply the output",
    body: { model: "m", messages: msg, max_tokens: 10, n: 3 },
    want: { maxTokens: 10, n: 3, outputTokens: 30 },
  },
  {
    name: "predicted output counts as output too",
    body: {
      model: "m",
      messages: msg,
      max_tokens: 10,
      prediction: { type: "content", content: "x".repeat(50) },
    },
    want: {
      maxTokens: 10,
      n: 1,
      outputTokens: 10 + bytes({ type: "content", content: "x".repeat(50) }),
    },
  },
];

for (const tc of cases) {
  void test(`chatBound: ${tc.name}`, () => {
    const b = chatBound(tc.body, bytes(tc.body), 256, OPTS);
    assert.equal(b.maxTokens, tc.want.maxTokens);
    assert.equal(b.n, tc.want.n);
    assert.equal(b.outputTokens, tc.want.outputTokens);
    assert.equal(b.inputTokens, bytes(tc.body) + 16, "input: every byte of the body, + priming");
  });
}

void test("chatBound: tools, functions, response_format, stop and logit_bias add their bytes", () => {
  const base = { model: "m", messages: msg, max_tokens: 1 };
  const plain = chatBound(base, bytes(base), 256, OPTS).inputTokens;
  const extras: Record<string, unknown> = {
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    functions: [{ name: "g", parameters: { type: "object" } }],
    response_format: {
      type: "json_schema",
      json_schema: { name: "s", schema: { type: "object" } },
    },
    stop: ["a", "b"],
    logit_bias: { "50256": -100 },
  };
  for (const [k, v] of Object.entries(extras)) {
    const body = { ...base, [k]: v };
    const got = chatBound(body, bytes(body), 256, OPTS).inputTokens;
    assert.ok(got >= plain + bytes(v), `${k}: ${got} counts its ${bytes(v)} bytes`);
  }
});

void test("chatBound: an image counts imageTokens whatever its URL length", () => {
  const img = (url: string): Record<string, unknown> => ({
    model: "m",
    max_tokens: 1,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "what is this" },
          { type: "image_url", image_url: { url } },
        ],
      },
    ],
  });
  const linkedUrl = "https://example.com/a.png";
  const inlineUrl = `data:image/png;base64,${"A".repeat(100_000)}`;
  const linked = img(linkedUrl);
  const inline = img(inlineUrl);
  const a = chatBound(linked, bytes(linked), 256, OPTS).inputTokens;
  const b = chatBound(inline, bytes(inline), 256, OPTS).inputTokens;
  assert.ok(a >= 1000, `a linked image reserves at least imageTokens (${a})`);
  assert.ok(b < 2000, `an inline image does not reserve its base64 bytes (${b})`);
  assert.equal(
    a - (bytes(linked) - linkedUrl.length),
    b - (bytes(inline) - inlineUrl.length),
    "both count the image the same, apart from its URL",
  );
});

void test("chatBound: the body size as received is used when known (escapes count)", () => {
  const body = { model: "m", messages: msg, max_tokens: 1 };
  assert.equal(chatBound(body, 5000, 256, OPTS).inputTokens, 5016);
  assert.equal(chatBound(body, undefined, 256, OPTS).inputTokens, bytes(body) + 16);
});

const refused: { name: string; body: Record<string, unknown>; param: string }[] = [
  { name: "n over the cap", body: { n: 5 }, param: "n" },
  { name: "web search", body: { web_search_options: {} }, param: "web_search_options" },
  { name: "a built-in tool", body: { tools: [{ type: "web_search_preview" }] }, param: "tools" },
  { name: "tools not an array", body: { tools: { type: "function" } }, param: "tools" },
];
for (const tc of refused) {
  void test(`chatBound refuses ${tc.name} with GW_ERR_UNBOUNDED_REQUEST`, () => {
    const body = { model: "m", messages: msg, ...tc.body };
    assert.throws(
      () => chatBound(body, bytes(body), 256, OPTS),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.code === "GW_ERR_UNBOUNDED_REQUEST" &&
        err.statusCode === 400 &&
        err.param === tc.param,
    );
  });
}

void test("embeddingBound: UTF-8 bytes of the text, one per token id", () => {
  assert.equal(embeddingBound("héllo"), 6);
  assert.equal(embeddingBound(["ab", "c"]), 3);
  assert.equal(embeddingBound([1, 2, 3]), 3);
  assert.equal(embeddingBound([[1, 2], [3]]), 3);
});

void test("microUnits: tokens × price per million, rounded up", () => {
  assert.equal(microUnits(1000, 500, { costIn: 2, costOut: 6 }), 5000);
  assert.equal(microUnits(3, 0, { costIn: 0.2, costOut: 0 }), 1);
  assert.equal(microUnits(0, 0, { costIn: 5, costOut: 5 }), 0);
});
