// Configuration of the manager program from flags and environment (lib/config.ts: flags win over
// the environment, the environment over defaults). Pure, so bad values fail fast with a message
// naming the setting, before anything connects. Controller modules add their own flags.
import type { FlagDefs, FlagValues } from "../../lib/config.ts";
import { ConfigError, flagHelp, parseFlags } from "../../lib/config.ts";
import { SERVING_FLAGS } from "../../lib/serving-flags.ts";
import type { ControllerModule, OperatorName } from "../../operators/runtime/module.ts";

export { ConfigError };

export interface ManagerConfig {
  /** Modules selected by --controllers, in MODULES order. */
  modules: readonly ControllerModule[];
  /** Flag values per selected module (its own flags only). */
  moduleFlags: ReadonlyMap<string, FlagValues>;
  /** Watch only this namespace; undefined watches all. */
  namespace: string | undefined;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string | undefined;
  /** Lease timings in milliseconds (client-go defaults 15 s / 10 s / 2 s). */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  metrics: { host: string; port: number } | undefined;
  /** /metrics only for callers whose token passes TokenReview and SubjectAccessReview (get /metrics). */
  metricsSecure: boolean;
  health: { host: string; port: number } | undefined;
  logLevel: string;
  /** Namespace the operator runs in (POD_NAMESPACE), where it keeps its own objects. */
  operatorNamespace: string;
  /** Admission webhooks: off, served for the in-cluster Service, or registered at 127.0.0.1 (local runs). */
  webhooks: "off" | "cluster" | "local";
}

/** Lease name of the full operator (all controllers in one process); unchanged from before modules. */
export const DEFAULT_LEASE_NAME = "librechat-operator";

export const CORE_FLAGS: FlagDefs = {
  controllers: {
    type: "string",
    env: "CONTROLLERS",
    default: "*",
    valueName: "LIST",
    description: 'comma-separated controller names, or "*" for all',
  },
  namespace: {
    type: "string",
    env: "WATCH_NAMESPACE",
    valueName: "NS",
    description: "watch only NS; default all namespaces",
  },
  "leader-elect": {
    type: "boolean",
    env: "LEADER_ELECT",
    default: "true",
    description: "take part in Lease leader election",
  },
  "lease-name": {
    type: "string",
    env: "LEASE_NAME",
    valueName: "NAME",
    description: `Lease name; default ${DEFAULT_LEASE_NAME} for all controllers, librechat-<operator>-operator for one operator's`,
  },
  "lease-namespace": {
    type: "string",
    env: "LEASE_NAMESPACE",
    valueName: "NS",
    description: 'default POD_NAMESPACE, else "default"',
  },
  "leader-elect-lease-duration": {
    type: "string",
    env: "LEADER_ELECT_LEASE_DURATION",
    default: "15",
    valueName: "S",
    description: "seconds",
  },
  "leader-elect-renew-deadline": {
    type: "string",
    env: "LEADER_ELECT_RENEW_DEADLINE",
    default: "10",
    valueName: "S",
    description: "seconds",
  },
  "leader-elect-retry-period": {
    type: "string",
    env: "LEADER_ELECT_RETRY_PERIOD",
    default: "2",
    valueName: "S",
    description: "seconds",
  },
  ...SERVING_FLAGS,
  "metrics-secure": {
    type: "boolean",
    env: "METRICS_SECURE",
    default: "false",
    description:
      "serve /metrics only to bearer tokens allowed get on /metrics (TokenReview + SubjectAccessReview); set in cluster manifests",
  },
  webhooks: {
    type: "string",
    env: "WEBHOOKS",
    default: "off",
    valueName: "MODE",
    description: "off | cluster | local (see below)",
  },
};

const FOOTER = `
Webhooks: cluster serves behind manifests/webhook/ (set WEBHOOK_BIND_ADDRESS in a pod); local also
registers configurations pointing at https://127.0.0.1:<port>, removed again on shutdown. Webhook
settings: see webhooks/README.md (WEBHOOK_* environment variables). cmd/webhooks/main.ts runs the
webhooks alone. The cluster comes from $KUBECONFIG, ~/.kube/config or the in-cluster service account.`;

/** Every flag: the manager's own plus those of all modules (a flag of an unselected module is accepted and ignored). */
export function allFlags(modules: readonly ControllerModule[]): FlagDefs {
  const out: Record<string, FlagDefs[string]> = { ...CORE_FLAGS };
  for (const m of modules) {
    for (const [name, spec] of Object.entries(m.flags ?? {})) {
      const seen = out[name];
      if (seen !== undefined && (seen.env !== spec.env || seen.default !== spec.default)) {
        throw new Error(`flag --${name} of module ${m.name} conflicts with another definition`);
      }
      out[name] = { ...spec, description: `${spec.description} (${m.name})` };
    }
  }
  return out;
}

/** Help text of the manager program with the flags of `modules`. */
export function helpText(modules: readonly ControllerModule[]): string {
  const names = modules.map((m) => `${m.name} (${m.operator})`).join(", ");
  return flagHelp(
    "librechat operator manager",
    allFlags(modules),
    `\nControllers: ${names}.${FOOTER}`,
  );
}

/** Parses argv (without node and script) and env into a config, or throws ConfigError. */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  modules: readonly ControllerModule[],
): ManagerConfig | "help" {
  const flags = parseFlags(argv, env, allFlags(modules));
  if (flags === "help") return "help";
  const str = (k: string): string | undefined => {
    const v = flags[k];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const selected = selectModules(str("controllers") ?? "*", modules);
  const moduleFlags = flagsPerModule(selected, flags);
  const envOf = (k: string): string | undefined => (env[k] === "" ? undefined : env[k]);
  const operatorNamespace = envOf("POD_NAMESPACE") ?? "default";
  return {
    modules: selected,
    moduleFlags,
    namespace: str("namespace"),
    leaderElect: flags["leader-elect"] === true,
    leaseName: str("lease-name") ?? leaseNameFor(selected, modules),
    leaseNamespace: str("lease-namespace") ?? operatorNamespace,
    identity: envOf("POD_NAME"),
    ...leaseTimings(str),
    metrics: parseAddress("--metrics-bind-address", str("metrics-bind-address") ?? "0"),
    health: parseAddress("--health-probe-bind-address", str("health-probe-bind-address") ?? "0"),
    logLevel: str("log-level") ?? "info",
    metricsSecure: flags["metrics-secure"] === true,
    operatorNamespace,
    webhooks: parseWebhooks(str("webhooks") ?? "off"),
  };
}

/** Each selected module's own flag values, checked by the module before anything connects. */
function flagsPerModule(
  selected: readonly ControllerModule[],
  flags: FlagValues,
): Map<string, FlagValues> {
  const out = new Map<string, FlagValues>();
  for (const m of selected) {
    const own = Object.fromEntries(Object.keys(m.flags ?? {}).map((k) => [k, flags[k]]));
    m.checkFlags?.(own);
    out.set(m.name, own);
  }
  return out;
}

/** The modules named in `list` ("*" = all), in `all`'s order; unknown names are a ConfigError. */
export function selectModules(list: string, all: readonly ControllerModule[]): ControllerModule[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.includes("*")) return [...all];
  const unknown = names.filter((n) => !all.some((m) => m.name === n));
  if (unknown.length > 0)
    throw new ConfigError([
      `--controllers: unknown controller ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${all.map((m) => m.name).join(", ")})`,
    ]);
  if (names.length === 0)
    throw new ConfigError(["--controllers must name at least one controller"]);
  return all.filter((m) => names.includes(m.name));
}

/**
 * One Lease per deployable operator: the full set keeps the historical name; the controllers of
 * one operator (inference, identity, chat, chaos) use librechat-<operator>-operator, so operators
 * deployed separately elect their leaders independently; any other subset names its operators.
 */
export function leaseNameFor(
  selected: readonly ControllerModule[],
  all: readonly ControllerModule[],
): string {
  if (selected.length === all.length) return DEFAULT_LEASE_NAME;
  const operators = [...new Set<OperatorName>(selected.map((m) => m.operator))].sort();
  const whole = operators.every((op) =>
    all.filter((m) => m.operator === op).every((m) => selected.includes(m)),
  );
  if (operators.length === 1 && whole) return `librechat-${operators[0] ?? ""}-operator`;
  return `${DEFAULT_LEASE_NAME}-${selected
    .map((m) => m.name)
    .sort()
    .join("-")}`;
}

function leaseTimings(
  get: (flag: string) => string | undefined,
): Pick<ManagerConfig, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs"> {
  const seconds = (flag: string): number => {
    const v = get(flag) ?? "";
    const n = Number(v);
    if (v === "" || !Number.isFinite(n) || n <= 0 || n > 3600)
      throw new ConfigError([`--${flag} must be a number of seconds in (0, 3600], got "${v}"`]);
    return Math.round(n * 1000);
  };
  const t = {
    leaseDurationMs: seconds("leader-elect-lease-duration"),
    renewDeadlineMs: seconds("leader-elect-renew-deadline"),
    retryPeriodMs: seconds("leader-elect-retry-period"),
  };
  // client-go's own sanity rule: renew before the lease runs out, retry before the renew deadline.
  if (!(t.leaseDurationMs > t.renewDeadlineMs && t.renewDeadlineMs > t.retryPeriodMs)) {
    throw new ConfigError([
      "leader election timings must satisfy lease-duration > renew-deadline > retry-period",
    ]);
  }
  return t;
}

function parseWebhooks(v: string): ManagerConfig["webhooks"] {
  if (v === "off" || v === "cluster" || v === "local") return v;
  throw new ConfigError([`--webhooks must be off, cluster or local, got "${v}"`]);
}

/** "host:port", ":port" (host 127.0.0.1) or "0" (disabled). */
export function parseAddress(name: string, v: string): { host: string; port: number } | undefined {
  if (v === "0") return undefined;
  const i = v.lastIndexOf(":");
  const host = i <= 0 ? "127.0.0.1" : v.slice(0, i);
  const port = Number(i < 0 ? v : v.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError([`${name} must be host:port, :port or 0, got "${v}"`]);
  return { host, port };
}
