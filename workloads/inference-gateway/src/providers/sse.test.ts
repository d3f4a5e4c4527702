import { test } from "node:test";
import assert from "node:assert/strict";
import { SSEParser } from "./sse.ts";

const cases: {
  name: string;
  chunks: string[];
  want: { event: string | undefined; data: string }[];
  rest?: string;
}[] = [
  { name: "one event", chunks: ["data: {}\n\n"], want: [{ event: undefined, data: "{}" }] },
  {
    name: "split across chunks",
    chunks: ["da", "ta: a\n", "\ndata: b\n\n"],
    want: [
      { event: undefined, data: "a" },
      { event: undefined, data: "b" },
    ],
  },
  {
    name: "named event + CRLF",
    chunks: ["event: ping\r\ndata: x\r\n\r\n"],
    want: [{ event: "ping", data: "x" }],
  },
  {
    name: "comment ignored, multiline data",
    chunks: [": keepalive\n\ndata: a\ndata: b\n\n"],
    want: [{ event: undefined, data: "a\nb" }],
  },
  {
    name: "incomplete tail stays",
    chunks: ["data: a\n\ndata: b"],
    want: [{ event: undefined, data: "a" }],
    rest: "data: b",
  },
];

for (const tc of cases) {
  void test(`SSEParser: ${tc.name}`, () => {
    const p = new SSEParser();
    const got = tc.chunks.flatMap((c) => p.push(c));
    assert.deepEqual(got, tc.want);
    assert.equal(p.rest(), tc.rest ?? "");
  });
}

void test("SSEParser: CRLF split between chunks is one line ending, not two", () => {
  const p = new SSEParser();
  const got = ["data: a\r", "\n\r", "\ndata: b\r\n", "\r\n"].flatMap((c) => p.push(c));
  assert.deepEqual(got, [
    { event: undefined, data: "a" },
    { event: undefined, data: "b" },
  ]);
  assert.equal(p.rest(), "");
});

void test("SSEParser: a lone CR ends a line", () => {
  const p = new SSEParser();
  assert.deepEqual(p.push("event: x\rdata: y\r\r"), []);
  assert.deepEqual(p.push("data: z\n\n"), [
    { event: "x", data: "y" },
    { event: undefined, data: "z" },
  ]);
});
