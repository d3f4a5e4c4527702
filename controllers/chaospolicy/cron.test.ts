// Table tests of the cron parser: field syntax, Vixie day-field semantics, month/year rollover.
import assert from "node:assert/strict";
import { test } from "node:test";
import { latestDue, nextAfter, parseCron } from "./cron.ts";

const next: { expr: string; after: string; want: string }[] = [
  { expr: "* * * * *", after: "2026-01-01T00:00:30Z", want: "2026-01-01T00:01:00.000Z" },
  { expr: "0 3 * * 1", after: "2026-12-02T18:00:00Z", want: "2026-12-07T03:00:00.000Z" },
  { expr: "*/15 * * * *", after: "2026-01-01T10:14:00Z", want: "2026-01-01T10:15:00.000Z" },
  { expr: "5-10/5 1 * * *", after: "2026-01-01T01:05:00Z", want: "2026-01-01T01:10:00.000Z" },
  { expr: "0 0 1 * *", after: "2026-12-15T00:00:00Z", want: "2027-01-01T00:00:00.000Z" },
  { expr: "@hourly", after: "2026-01-01T10:00:00Z", want: "2026-01-01T11:00:00.000Z" },
  { expr: "@weekly", after: "2026-12-02T00:00:00Z", want: "2026-12-06T00:00:00.000Z" },
  { expr: "0 0 29 2 *", after: "2026-03-01T00:00:00Z", want: "2028-02-29T00:00:00.000Z" },
  // Both day fields restricted: the 13th OR a Friday (Vixie cron).
  { expr: "0 0 13 * 5", after: "2026-12-01T00:00:00Z", want: "2026-12-04T00:00:00.000Z" },
  // Sunday as 7.
  { expr: "0 12 * * 7", after: "2026-12-02T00:00:00Z", want: "2026-12-06T12:00:00.000Z" },
  { expr: "30 8 * 6 1-5", after: "2026-12-02T00:00:00Z", want: "2027-06-01T08:30:00.000Z" },
];
for (const c of next) {
  test(`nextAfter("${c.expr}", ${c.after}) = ${c.want}`, () => {
    assert.equal(nextAfter(parseCron(c.expr), new Date(c.after))?.toISOString(), c.want);
  });
}

const bad: { expr: string; want: RegExp }[] = [
  { expr: "* * * *", want: /want 5 fields/ },
  { expr: "60 * * * *", want: /minute/ },
  { expr: "* 24 * * *", want: /hour/ },
  { expr: "* * 0 * *", want: /day-of-month/ },
  { expr: "* * * 13 *", want: /month/ },
  { expr: "* * * * 8", want: /day-of-week/ },
  { expr: "*/0 * * * *", want: /step/ },
  { expr: "a * * * *", want: /not a number/ },
  { expr: "5-1 * * * *", want: /outside/ },
];
for (const c of bad) {
  test(`parseCron rejects "${c.expr}"`, () => {
    assert.throws(() => parseCron(c.expr), c.want);
  });
}

test("nextAfter returns undefined for a date that never comes", () => {
  assert.equal(nextAfter(parseCron("0 0 31 2 *"), new Date("2026-01-01T00:00:00Z")), undefined);
});

test("latestDue collapses missed times into the latest one and is undefined when none is due", () => {
  const s = parseCron("*/10 * * * *");
  const after = new Date("2026-01-01T00:00:00Z");
  assert.equal(
    latestDue(s, after, new Date("2026-01-01T00:35:00Z"))?.toISOString(),
    "2026-01-01T00:30:00.000Z",
  );
  assert.equal(latestDue(s, after, new Date("2026-01-01T00:09:59Z")), undefined);
});
