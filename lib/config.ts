// One configuration helper for every program in the repository (operator manager, webhook server,
// gateways): command-line flags through node:util parseArgs, environment variables through a
// TypeBox schema. Flags win over the environment, the environment over defaults, and every bad
// value fails before anything connects, with a message naming the flag or variable.
// Dependency-free on purpose (node:util and TypeBox only) so workloads can import it without
// pulling in the operator runtime.
import { parseArgs } from "node:util";
import type { Static, TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** One command-line flag, also read from `env` when absent. */
export interface FlagDef {
  type: "string" | "boolean";
  /** Environment variable read when the flag is not given. */
  env?: string;
  default?: string;
  description: string;
  /** Placeholder shown in help, e.g. "NS"; default: the type. */
  valueName?: string;
}

export type FlagDefs = Readonly<Record<string, FlagDef>>;

/** Raw flag values after flags, environment and defaults: strings, booleans, or undefined when unset. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** A configuration value that is present but invalid; `problems` names each setting. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** Booleans accept true/false/1/0 (flags and environment alike). */
export function parseBoolean(name: string, v: string): boolean {
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ConfigError([`${name} must be true or false, got "${v}"`]);
}

/** The flag as given, else its (non-empty) environment variable, else its default. */
function rawValue(
  given: unknown,
  def: FlagDef,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (typeof given === "string") return given;
  const fromEnv = def.env !== undefined ? env[def.env] : undefined;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : def.default;
}

/** parseArgs has no "--bool=false": booleans are parsed as strings and a bare one means true. */
function normalizeBooleans(argv: readonly string[], defs: FlagDefs): string[] {
  return argv.map((a) =>
    a.startsWith("--") && !a.includes("=") && defs[a.slice(2)]?.type === "boolean"
      ? `${a}=true`
      : a,
  );
}

/** parseArgs in strict mode: unknown flags, positionals and missing values are ConfigErrors. */
function strictArgs(args: string[], defs: FlagDefs): Record<string, unknown> {
  try {
    return parseArgs({
      args,
      options: Object.fromEntries(Object.keys(defs).map((k) => [k, { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError([`${err instanceof Error ? err.message : String(err)} (see --help)`]);
  }
}

/**
 * Parses `argv` (without node and script) against `defs`, filling absent flags from `env` and
 * then from defaults. Returns "help" for --help/-h. Unknown flags, positional arguments and
 * missing values are ConfigErrors. Boolean flags may be given bare (`--leader-elect`) or with a
 * value (`--leader-elect=false`).
 */
export function parseFlags(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defs: FlagDefs,
): FlagValues | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const given = strictArgs(normalizeBooleans(argv, defs), defs);
  const out: FlagValues = {};
  const problems: string[] = [];
  for (const [name, def] of Object.entries(defs)) {
    const raw = rawValue(given[name], def, env);
    if (raw === undefined || def.type === "string") {
      out[name] = raw;
      continue;
    }
    try {
      out[name] = parseBoolean(`--${name}`, raw);
    } catch (err) {
      problems.push(...(err instanceof ConfigError ? err.problems : [String(err)]));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** Help text listing every flag with its environment variable and default. */
export function flagHelp(title: string, defs: FlagDefs, footer = ""): string {
  const rows = Object.entries(defs).map(([name, d]) => {
    const left = `  --${name}${d.type === "boolean" ? "[=BOOL]" : ` ${d.valueName ?? "VALUE"}`}`;
    const def = d.default !== undefined ? `; default ${d.default === "" ? '""' : d.default}` : "";
    const env = d.env !== undefined ? ` [${d.env}]` : "";
    return `${left.padEnd(36)} ${d.description}${def}${env}`;
  });
  return [
    title,
    "",
    "Flags (each also readable from the environment variable in brackets):",
    ...rows,
    footer,
  ]
    .join("\n")
    .trimEnd();
}

/**
 * Reads the variables named by `schema`'s properties from `env`: empty strings count as unset,
 * strings are converted to the declared types, defaults applied, and every violation is reported
 * by variable name in one ConfigError. Values are never echoed for variables whose name says
 * they hold a secret (…KEY, …SECRET, …PASSWORD, …TOKEN, …URL with credentials).
 */
export function parseEnv<S extends TObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Static<S> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== "") picked[key] = v;
  }
  // Convert may change its argument in place: keep the raw strings for messages.
  const converted = Value.Default(schema, Value.Convert(schema, { ...picked }));
  const problems = [...Value.Errors(schema, converted)].map((e) => {
    const name = e.path.replace(/^\//, "") || "environment";
    const raw = picked[name];
    const shown =
      raw === undefined ? "unset" : isSecretName(name) ? "a hidden value" : JSON.stringify(raw);
    return `${name}: ${e.message} (got ${shown})`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return converted as Static<S>;
}

function isSecretName(name: string): boolean {
  return /(KEY|SECRET|PASSWORD|TOKEN|CREDENTIALS|_URL)$/i.test(name);
}
