import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, openSync, closeSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogDestination } from "./log-destination.ts";

void test("lines are held until minLength, then written in order in one write", () => {
  const writes: string[] = [];
  const d = new LogDestination(9, {
    minLength: 20,
    writeSync: (_fd, buf, off, len) => {
      writes.push(buf.subarray(off, off + len).toString());
      return len;
    },
  });
  d.write("one\n");
  d.write("two\n");
  assert.deepEqual(writes, [], "below minLength nothing is written");
  d.write("three-three-three\n");
  assert.deepEqual(writes, ["one\ntwo\nthree-three-three\n"]);
  d.write("four\n");
  d.flushSync();
  d.flush();
  assert.deepEqual(
    writes,
    ["one\ntwo\nthree-three-three\n", "four\n"],
    "flush writes the rest once",
  );
});

void test("partial writes and EAGAIN are retried until every byte is out; other errors drop", () => {
  const out: Buffer[] = [];
  let calls = 0;
  const d = new LogDestination(9, {
    minLength: 1_000,
    writeSync: (_fd, buf, off, len) => {
      calls++;
      if (calls === 2) throw Object.assign(new Error("again"), { code: "EAGAIN" });
      const n = Math.min(len, 3);
      out.push(Buffer.from(buf.subarray(off, off + n)));
      return n;
    },
  });
  d.write("héllo wörld\n");
  d.flush();
  assert.equal(Buffer.concat(out).toString(), "héllo wörld\n");
  assert.equal(d.lostBytes, 0);

  const broken = new LogDestination(9, {
    writeSync: () => {
      throw Object.assign(new Error("pipe"), { code: "EPIPE" });
    },
  });
  broken.write("x\n");
  assert.doesNotThrow(() => {
    broken.flush();
  });
  assert.equal(broken.lostBytes, 2);
});

void test("writes to a real file descriptor", () => {
  const path = join(mkdtempSync(join(tmpdir(), "igw-log-")), "out.log");
  const fd = openSync(path, "w");
  const d = new LogDestination(fd, { minLength: 64 });
  const lines = Array.from({ length: 100 }, (_, i) => `{"i":${i}}\n`);
  for (const l of lines) d.write(l);
  d.flushSync();
  closeSync(fd);
  assert.equal(readFileSync(path, "utf8"), lines.join(""));
});
