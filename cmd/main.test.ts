// The two programs fail fast and clearly before connecting anywhere: --help prints the flags,
// a bad flag or variable exits 2 naming it. (Runs the real entrypoints as child processes.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const run = (
  program: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, program, "main.ts"), ...args], {
    env: { PATH: process.env["PATH"] ?? "", KUBECONFIG: "/nonexistent", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test("manager --help lists core and module flags and the controllers", () => {
  const r = run("manager", ["--help"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /--controllers LIST/);
  assert.match(
    r.out,
    /--aimodel-concurrency VALUE\s+AIModel workers \(aimodel\); default 4 \[AIMODEL_CONCURRENCY\]/,
  );
  assert.match(r.out, /Controllers: aimodel \(inference\)/);
});

const managerBad: { args: string[]; env?: Record<string, string>; msg: RegExp }[] = [
  { args: ["--controllers=nope"], msg: /unknown controller "nope"/ },
  {
    args: ["--aimodel-concurrency=0"],
    msg: /--aimodel-concurrency must be an integer from 1 to 1024, got "0"/,
  },
  {
    args: ["--webhooks=cluster"],
    env: { WEBHOOK_PORT: "x" },
    msg: /WEBHOOK_PORT: Expected integer \(got "x"\)/,
  },
];
for (const c of managerBad) {
  test(`manager exits 2 on ${c.args.join(" ")}`, () => {
    const r = run("manager", c.args, c.env);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, c.msg);
  });
}

test("webhooks --help and a bad variable", () => {
  const help = run("webhooks", ["--help"]);
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /--health-probe-bind-address H:P/);
  const bad = run("webhooks", [], { WEBHOOK_CERT_MODE: "bogus" });
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /WEBHOOK_CERT_MODE: Expected union value \(got "bogus"\)/);
});
