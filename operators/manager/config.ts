// Operator configuration from environment variables and flags (flags win). Parsing is pure so
// bad values fail fast with a message that names the setting, before anything connects.

export interface OperatorConfig {
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
  health: { host: string; port: number } | undefined;
  aimodelConcurrency: number;
  clusterDomain: string;
  logLevel: string;
  /** Admission webhooks: off, served for the in-cluster Service, or registered at 127.0.0.1 (local runs). */
  webhooks: "off" | "cluster" | "local";
}

const HELP = `librechat operator manager

Flags (each also readable from the environment variable in brackets):
  --namespace NS                  watch only NS; default all namespaces       [WATCH_NAMESPACE]
  --leader-elect=BOOL             take part in Lease leader election; default true [LEADER_ELECT]
  --lease-name NAME               default librechat-operator                   [LEASE_NAME]
  --lease-namespace NS            default POD_NAMESPACE, else "default"        [LEASE_NAMESPACE]
  --leader-elect-lease-duration S  seconds; default 15                      [LEADER_ELECT_LEASE_DURATION]
  --leader-elect-renew-deadline S  seconds; default 10                      [LEADER_ELECT_RENEW_DEADLINE]
  --leader-elect-retry-period S    seconds; default 2                       [LEADER_ELECT_RETRY_PERIOD]
  --metrics-bind-address H:P      "0" disables; default 127.0.0.1:8080          [METRICS_BIND_ADDRESS]
  --health-probe-bind-address H:P "0" disables; default 127.0.0.1:8081          [HEALTH_PROBE_BIND_ADDRESS]
  --aimodel-concurrency N         AIModel workers; default 4                    [AIMODEL_CONCURRENCY]
  --cluster-domain D              default cluster.local                         [CLUSTER_DOMAIN]
  --log-level L                   default info                                  [LOG_LEVEL]
  --webhooks MODE                 off | cluster | local; default off           [WEBHOOKS]
                                  cluster: serve behind manifests/webhook/ (set WEBHOOK_BIND_ADDRESS
                                  in a pod); local: also register configurations pointing at
                                  https://127.0.0.1:<port>, removed again on shutdown. Webhook
                                  settings: see webhooks/README.md (WEBHOOK_* environment variables).
The cluster comes from $KUBECONFIG, ~/.kube/config or the in-cluster service account.`;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses argv (without node and script) and env into a config, or throws ConfigError. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorConfig | "help" {
  const flags = parseFlags(argv);
  if (flags.has("help")) return "help";
  const get = (flag: string, envName: string): string | undefined => flags.get(flag) ?? env[envName];
  return {
    namespace: nonEmpty(get("namespace", "WATCH_NAMESPACE")),
    leaderElect: parseBool("--leader-elect", get("leader-elect", "LEADER_ELECT") ?? "true"),
    leaseName: get("lease-name", "LEASE_NAME") ?? "librechat-operator",
    leaseNamespace: get("lease-namespace", "LEASE_NAMESPACE") ?? env["POD_NAMESPACE"] ?? "default",
    identity: nonEmpty(env["POD_NAME"]),
    ...leaseTimings(get),
    metrics: parseAddress("--metrics-bind-address", get("metrics-bind-address", "METRICS_BIND_ADDRESS") ?? "127.0.0.1:8080"),
    health: parseAddress("--health-probe-bind-address", get("health-probe-bind-address", "HEALTH_PROBE_BIND_ADDRESS") ?? "127.0.0.1:8081"),
    aimodelConcurrency: parsePositiveInt("--aimodel-concurrency", get("aimodel-concurrency", "AIMODEL_CONCURRENCY") ?? "4"),
    clusterDomain: get("cluster-domain", "CLUSTER_DOMAIN") ?? "cluster.local",
    logLevel: get("log-level", "LOG_LEVEL") ?? "info",
    webhooks: parseWebhooks(get("webhooks", "WEBHOOKS") ?? "off"),
  };
}

export { HELP };

function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--help" || a === "-h") {
      out.set("help", "true");
      continue;
    }
    if (!a.startsWith("--")) throw new ConfigError(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf("=");
    if (eq > 0) {
      out.set(a.slice(2, eq), a.slice(eq + 1));
    } else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new ConfigError(`flag ${a} needs a value`);
      out.set(a.slice(2), v);
      i++;
    }
  }
  return out;
}

function leaseTimings(get: (flag: string, envName: string) => string | undefined): Pick<OperatorConfig, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs"> {
  const seconds = (flag: string, envName: string, def: string): number => {
    const v = get(flag, envName) ?? def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new ConfigError(`--${flag} must be a number of seconds in (0, 3600], got "${v}"`);
    return Math.round(n * 1000);
  };
  const t = {
    leaseDurationMs: seconds("leader-elect-lease-duration", "LEADER_ELECT_LEASE_DURATION", "15"),
    renewDeadlineMs: seconds("leader-elect-renew-deadline", "LEADER_ELECT_RENEW_DEADLINE", "10"),
    retryPeriodMs: seconds("leader-elect-retry-period", "LEADER_ELECT_RETRY_PERIOD", "2"),
  };
  // client-go's own sanity rule: renew before the lease runs out, retry before the renew deadline.
  if (!(t.leaseDurationMs > t.renewDeadlineMs && t.renewDeadlineMs > t.retryPeriodMs)) {
    throw new ConfigError("leader election timings must satisfy lease-duration > renew-deadline > retry-period");
  }
  return t;
}

function parseWebhooks(v: string): OperatorConfig["webhooks"] {
  if (v === "off" || v === "cluster" || v === "local") return v;
  throw new ConfigError(`--webhooks must be off, cluster or local, got "${v}"`);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

function parseBool(name: string, v: string): boolean {
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ConfigError(`${name} must be true or false, got "${v}"`);
}

function parsePositiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new ConfigError(`${name} must be an integer from 1 to 1024, got "${v}"`);
  return n;
}

/** "host:port", ":port" (host 127.0.0.1) or "0" (disabled). */
function parseAddress(name: string, v: string): { host: string; port: number } | undefined {
  if (v === "0") return undefined;
  const i = v.lastIndexOf(":");
  const host = i <= 0 ? "127.0.0.1" : v.slice(0, i);
  const port = Number(i < 0 ? v : v.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be host:port, :port or 0, got "${v}"`);
  return { host, port };
}
