import { test } from "node:test";
import assert from "node:assert/strict";
import { chunkFacts, contentChars } from "./openai-chunk.ts";

const chunk = (delta: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: "c1",
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  });

const cases: { name: string; data: string; want: ReturnType<typeof chunkFacts> }[] = [
  {
    name: "content chunk",
    data: chunk({ content: "Hello" }),
    want: { usage: undefined, usageOnly: false, textChars: 5 },
  },
  {
    name: "role chunk without content",
    data: chunk({ role: "assistant" }),
    want: { usage: undefined, usageOnly: false, textChars: 0 },
  },
  {
    name: "null content and usage null (OpenAI with include_usage)",
    data: chunk({ content: null }, { usage: null }),
    want: { usage: undefined, usageOnly: false, textChars: 0 },
  },
  {
    name: "escaped quotes, backslashes and unicode count as one character each",
    data: chunk({ content: 'say "error": \\ é \u2028 😀' }),
    want: { usage: undefined, usageOnly: false, textChars: 'say "error": \\ é \u2028 😀'.length },
  },
  {
    name: "usage-only chunk is parsed",
    data: JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } }),
    want: {
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
      usageOnly: true,
      textChars: 0,
    },
  },
  {
    name: "usage with content (vLLM continuous usage)",
    data: chunk({ content: "ab" }, { usage: { prompt_tokens: 1, completion_tokens: 2 } }),
    want: {
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      usageOnly: false,
      textChars: 2,
    },
  },
  {
    name: "error event",
    data: JSON.stringify({ error: { message: "overloaded" } }),
    want: "error-event",
  },
  { name: "truncated JSON", data: '{"choices":[{"delta":{"content":"a', want: "not-json" },
  { name: "braces but not JSON", data: "{nope}", want: "not-json" },
  { name: "a JSON array", data: "[1]", want: "not-json" },
];

for (const tc of cases) {
  void test(`chunkFacts: ${tc.name}`, () => {
    assert.deepEqual(chunkFacts(tc.data), tc.want);
  });
}

void test("contentChars agrees with JSON.parse over several choices and spacing", () => {
  const text = '{"choices":[{"delta":{"content" : "ab\\"c"}},{"delta":{"content":"\\u00e9x"}}]}';
  const parsed = JSON.parse(text) as { choices: { delta: { content: string } }[] };
  const want = parsed.choices.reduce((n, c) => n + c.delta.content.length, 0);
  assert.equal(contentChars(text), want);
  assert.equal(want, 6);
});
