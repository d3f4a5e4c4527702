// Tests of the shared configuration helper: flag/env/default precedence, booleans, unknown flags,
// and schema-checked environment variables reported by name (without echoing secret values).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Type } from "@sinclair/typebox";
import { ConfigError, flagHelp, parseEnv, parseFlags } from "./config.ts";
import type { FlagDefs } from "./config.ts";

const DEFS: FlagDefs = {
  namespace: { type: "string", env: "WATCH_NAMESPACE", description: "watch one namespace" },
  "leader-elect": { type: "boolean", env: "LEADER_ELECT", default: "true", description: "elect" },
  level: { type: "string", env: "LOG_LEVEL", default: "info", description: "log level" },
};

test("flags win over environment, environment over defaults", () => {
  const v = parseFlags(["--namespace", "a"], { WATCH_NAMESPACE: "b", LOG_LEVEL: "debug" }, DEFS);
  assert.deepEqual(v, { namespace: "a", "leader-elect": true, level: "debug" });
});

test("booleans: bare flag, =false, and env 0", () => {
  assert.deepEqual(parseFlags(["--leader-elect"], { LEADER_ELECT: "false" }, DEFS), {
    namespace: undefined,
    "leader-elect": true,
    level: "info",
  });
  assert.equal(
    (parseFlags(["--leader-elect=false"], {}, DEFS) as Record<string, unknown>)["leader-elect"],
    false,
  );
  assert.equal(
    (parseFlags([], { LEADER_ELECT: "0" }, DEFS) as Record<string, unknown>)["leader-elect"],
    false,
  );
});

test("an empty environment variable counts as unset", () => {
  assert.equal(
    (parseFlags([], { LOG_LEVEL: "" }, DEFS) as Record<string, unknown>)["level"],
    "info",
  );
});

const bad: { argv: string[]; env?: Record<string, string>; msg: RegExp }[] = [
  { argv: ["--leader-elect=maybe"], msg: /--leader-elect must be true or false, got "maybe"/ },
  { argv: [], env: { LEADER_ELECT: "yes" }, msg: /--leader-elect must be true or false/ },
  { argv: ["--nope=1"], msg: /Unknown option '--nope'/ },
  { argv: ["stray"], msg: /Unexpected argument 'stray'/ },
  { argv: ["--namespace"], msg: /--namespace <value>' argument missing/ },
];
for (const c of bad) {
  test(`parseFlags rejects ${c.argv.join(" ") || JSON.stringify(c.env)}`, () => {
    assert.throws(
      () => parseFlags(c.argv, c.env ?? {}, DEFS),
      (e: unknown) => e instanceof ConfigError && c.msg.test(e.message),
    );
  });
}

test("--help and -h", () => {
  assert.equal(parseFlags(["--help"], {}, DEFS), "help");
  assert.equal(parseFlags(["-h"], {}, DEFS), "help");
});

test("help lists flags, variables and defaults", () => {
  const text = flagHelp("prog", DEFS);
  assert.match(text, /--leader-elect\[=BOOL\]\s+elect; default true \[LEADER_ELECT\]/);
  assert.match(text, /--namespace VALUE\s+watch one namespace \[WATCH_NAMESPACE\]/);
});

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9443 }),
  MODE: Type.Optional(Type.Union([Type.Literal("a"), Type.Literal("b")])),
  API_KEY: Type.Optional(Type.String({ minLength: 8 })),
  ON: Type.Boolean({ default: false }),
});

test("parseEnv converts types and applies defaults", () => {
  assert.deepEqual(parseEnv(Env, { PORT: "80", ON: "true", OTHER: "x" }), { PORT: 80, ON: true });
  assert.deepEqual(parseEnv(Env, { PORT: "" }), { PORT: 9443, ON: false });
});

test("parseEnv names every bad variable, and never echoes a secret", () => {
  assert.throws(
    () => parseEnv(Env, { PORT: "99999", MODE: "c", API_KEY: "short" }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.problems.some((p) => p.startsWith("PORT:") && p.includes('"99999"')));
      assert.ok(e.problems.some((p) => p.startsWith("MODE:")));
      const key = e.problems.find((p) => p.startsWith("API_KEY:"));
      assert.ok(key !== undefined && key.includes("a hidden value") && !key.includes("short"));
      return true;
    },
  );
});
