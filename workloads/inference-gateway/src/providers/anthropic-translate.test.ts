import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AnthropicStreamTranslator,
  TranslationError,
  finishReason,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "./anthropic-translate.ts";

const reqCases: { name: string; body: Record<string, unknown>; want: Record<string, unknown> }[] = [
  {
    name: "system split out, max_tokens default",
    body: {
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
    },
    want: {
      model: "claude",
      max_tokens: 100,
      system: "be brief",
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    },
  },
  {
    name: "same roles merged, temperature clamped, stop string",
    body: {
      messages: [
        { role: "user", content: "a" },
        { role: "user", content: "b" },
      ],
      temperature: 1.5,
      stop: "END",
      stream: true,
    },
    want: {
      model: "claude",
      max_tokens: 100,
      temperature: 1,
      stop_sequences: ["END"],
      stream: true,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
    },
  },
  {
    name: "tools and tool results",
    body: {
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "t1", type: "function", function: { name: "w", arguments: '{"c":"x"}' } },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
      ],
      tools: [{ type: "function", function: { name: "w", parameters: { type: "object" } } }],
      tool_choice: "required",
    },
    want: {
      model: "claude",
      max_tokens: 100,
      tools: [{ name: "w", description: undefined, input_schema: { type: "object" } }],
      tool_choice: { type: "any" },
      messages: [
        { role: "user", content: [{ type: "text", text: "weather?" }] },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "t1", name: "w", input: { c: "x" } }],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "sunny" }] },
      ],
    },
  },
  {
    name: "image data URL becomes base64 source",
    body: {
      messages: [
        {
          role: "user",
          content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAA" } }],
        },
      ],
    },
    want: {
      model: "claude",
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } },
          ],
        },
      ],
    },
  },
];

for (const tc of reqCases) {
  void test(`toAnthropicRequest: ${tc.name}`, () => {
    assert.deepEqual(toAnthropicRequest(tc.body, "claude", 100), tc.want);
  });
}

for (const [name, body] of [
  ["n > 1", { n: 2, messages: [] }],
  ["unknown role", { messages: [{ role: "function", content: "x" }] }],
  ["audio part", { messages: [{ role: "user", content: [{ type: "input_audio" }] }] }],
] as const) {
  void test(`toAnthropicRequest rejects ${name}`, () => {
    assert.throws(() => toAnthropicRequest(body, "c", 1), TranslationError);
  });
}

for (const [stop, want] of [
  ["end_turn", "stop"],
  ["max_tokens", "length"],
  ["stop_sequence", "stop"],
  ["tool_use", "tool_calls"],
  ["refusal", "content_filter"],
  [undefined, null],
] as const) {
  void test(`finishReason(${stop}) = ${want}`, () => {
    assert.equal(finishReason(stop), want);
  });
}

void test("fromAnthropicResponse maps text, tools and usage", () => {
  const got = fromAnthropicResponse(
    {
      id: "msg_1",
      content: [
        { type: "text", text: "Hel" },
        { type: "text", text: "lo" },
        { type: "tool_use", id: "t", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 3, output_tokens: 2 },
    },
    "m",
    1_000_000,
  );
  assert.deepEqual(got, {
    id: "chatcmpl-msg_1",
    object: "chat.completion",
    created: 1000,
    model: "m",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Hello",
          tool_calls: [
            { id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } },
          ],
        },
        finish_reason: "tool_calls",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
});

void test("AnthropicStreamTranslator turns events into OpenAI chunks", () => {
  const t = new AnthropicStreamTranslator("m", 0);
  const events: [string, Record<string, unknown>][] = [
    ["message_start", { message: { id: "msg_1", usage: { input_tokens: 7, output_tokens: 1 } } }],
    ["content_block_start", { index: 0, content_block: { type: "text", text: "" } }],
    ["ping", {}],
    ["content_block_delta", { delta: { type: "text_delta", text: "Hi" } }],
    ["content_block_delta", { delta: { type: "text_delta", text: " there" } }],
    ["content_block_stop", {}],
    ["message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }],
    ["message_stop", {}],
  ];
  const chunks = events.flatMap(([type, data]) => t.feed(type, data));
  assert.deepEqual(
    chunks.map((c) => c.choices[0]?.delta.content ?? null),
    ["", "Hi", " there", null, null],
  );
  assert.equal(chunks[3]?.choices[0]?.finish_reason, "stop");
  assert.deepEqual(chunks[4]?.usage, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  assert.equal(chunks[0]?.id, "chatcmpl-msg_1");
  assert.ok(t.done);
});

void test("AnthropicStreamTranslator streams tool calls", () => {
  const t = new AnthropicStreamTranslator("m", 0);
  const got = [
    ...t.feed("content_block_start", { content_block: { type: "tool_use", id: "tu", name: "f" } }),
    ...t.feed("content_block_delta", { delta: { type: "input_json_delta", partial_json: '{"a"' } }),
  ];
  assert.deepEqual(
    got.map((c) => c.choices[0]?.delta.tool_calls?.[0]),
    [
      { index: 0, id: "tu", type: "function", function: { name: "f", arguments: "" } },
      { index: 0, function: { arguments: '{"a"' } },
    ],
  );
});

void test("AnthropicStreamTranslator throws on an error event", () => {
  assert.throws(
    () =>
      new AnthropicStreamTranslator("m", 0).feed("error", { error: { type: "overloaded_error" } }),
    /overloaded_error/,
  );
});
