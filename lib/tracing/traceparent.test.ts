// Table tests of the traceparent reader: valid headers, and each way a header is invalid.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTraceparent } from "./traceparent.ts";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const S = "00f067aa0ba902b7";

test("parseTraceparent", () => {
  const cases: [string, string | string[] | undefined, unknown][] = [
    ["sampled", `00-${T}-${S}-01`, { traceId: T, spanId: S, sampled: true }],
    ["not sampled", `00-${T}-${S}-00`, { traceId: T, spanId: S, sampled: false }],
    [
      "first of a repeated header",
      [`00-${T}-${S}-03`, "x"],
      { traceId: T, spanId: S, sampled: true },
    ],
    ["surrounding blanks", ` 00-${T}-${S}-01 `, { traceId: T, spanId: S, sampled: true }],
    ["missing", undefined, undefined],
    ["empty", "", undefined],
    ["upper-case hex", `00-${T.toUpperCase()}-${S}-01`, undefined],
    ["zero trace id", `00-${"0".repeat(32)}-${S}-01`, undefined],
    ["zero span id", `00-${T}-${"0".repeat(16)}-01`, undefined],
    ["version ff", `ff-${T}-${S}-01`, undefined],
    ["short trace id", `00-${T.slice(1)}-${S}-01`, undefined],
    ["extra field", `00-${T}-${S}-01-x`, undefined],
  ];
  for (const [name, header, want] of cases) assert.deepEqual(parseTraceparent(header), want, name);
});
