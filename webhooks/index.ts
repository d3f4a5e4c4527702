// Entry point for the operator manager: `startWebhooks` brings up certificates (self-managed or
// cert-manager), the HTTPS server and caBundle sync, and returns a handle to stop them.
//
//   import { startWebhooks, webhookOptionsFromEnv } from "../../webhooks/index.ts";
//   const webhooks = await startWebhooks({ kube: new KubeHttp(kc), log, ...webhookOptionsFromEnv(process.env) });
//   // on shutdown: await webhooks.stop();
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { WebhookConfigNames } from "./ca-bundle.ts";
import { CertRotator } from "./cert-rotator.ts";
import type { CertMode } from "./cert-rotator.ts";
import { serviceDNSNames } from "./certs.ts";
import type { CertBundle, CertLifetimes } from "./certs.ts";
import { DEFAULT_CONFIG_NAMES, localWebhookConfigurations } from "./configurations.ts";
import { HANDLERS } from "./handlers.ts";
import { KubeLookup, errorCode } from "./kube.ts";
import { webhookMetrics } from "./metrics.ts";
import type { KubeTransport } from "./kube.ts";
import { startWebhookServer } from "./server.ts";
import type { ConnectionLimits, WebhookServer } from "./server.ts";
import { DEFAULT_POLICY } from "./types.ts";
import type { PolicyConfig } from "./types.ts";

export {
  buildWebhookConfigurations,
  localWebhookConfigurations,
  DEFAULT_CONFIG_NAMES,
} from "./configurations.ts";
export type { CertMode } from "./cert-rotator.ts";
export {
  WebhookConfigError,
  WebhookEnvSchema,
  policyFromEnv,
  webhookOptionsFromEnv,
} from "./config.ts";

/** Default Service, Secret and port (match manifests/webhook/). */
export const DEFAULTS = {
  namespace: "librechat-system",
  serviceName: "librechat-operators-webhook",
  secretName: "librechat-operators-webhook-tls",
  port: 9443,
  host: "127.0.0.1",
} as const;

/** Options of `startWebhooks`. */
export interface StartWebhooksOptions {
  /** API access; `new KubeHttp(kubeConfig)` from operators/clients/http.ts. */
  kube: KubeTransport;
  log: Logger;
  /** Namespace of the operator: holds the Secret and the Service. */
  namespace?: string;
  serviceName?: string;
  secretName?: string;
  /** Bind address (default 127.0.0.1; in a pod set the pod IP or 0.0.0.0). */
  host?: string;
  /** Listen port (default 9443; 0 = any free port). */
  port?: number;
  configNames?: WebhookConfigNames;
  certMode?: CertMode;
  policy?: PolicyConfig;
  /** Internal review deadline in ms (default 6000, always < timeoutSeconds 10). */
  deadlineMs?: number;
  /** Extra SANs; 127.0.0.1 is always included. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  lifetimes?: CertLifetimes;
  /** How often replicas re-read the Secret and re-sync caBundle (default 60 s). */
  resyncMs?: number;
  /**
   * Local runs (operator outside the cluster): server-side apply both configurations with
   * `url: https://127.0.0.1:<port>/...` at start and delete them on `stop()`. In-cluster
   * deployments use manifests/webhook/ instead and leave this off.
   */
  registerLocalConfigurations?: boolean | { objectSelector?: Record<string, unknown> };
  /** Aborts the start-up retries (the first certificate pass retries until it succeeds). */
  signal?: AbortSignal;
  /** Registry for the webhook metrics (the manager's, so they are served with its metrics). */
  registry?: Registry;
  /** Connection cap and timeouts of the server (DEFAULT_LIMITS in server.ts). */
  limits?: Partial<ConnectionLimits>;
}

/** Running webhooks. */
export interface RunningWebhooks {
  server: WebhookServer;
  certs: CertRotator;
  stop(): Promise<void>;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value !== undefined ? { [key]: value } : {}) as { [P in K]?: V };
}

function rotatorFor(
  opts: StartWebhooksOptions,
  log: Logger,
  onCertificate: (b: CertBundle) => void,
): CertRotator {
  const namespace = opts.namespace ?? DEFAULTS.namespace;
  return new CertRotator({
    kube: opts.kube,
    namespace,
    secretName: opts.secretName ?? DEFAULTS.secretName,
    spec: {
      dnsNames: [
        ...serviceDNSNames(opts.serviceName ?? DEFAULTS.serviceName, namespace),
        ...(opts.dnsNames ?? []),
      ],
      ipAddresses: [...new Set(["127.0.0.1", ...(opts.ipAddresses ?? [])])],
    },
    configNames: opts.configNames ?? DEFAULT_CONFIG_NAMES,
    ...opt("mode", opts.certMode),
    ...opt("lifetimes", opts.lifetimes),
    ...opt("resyncMs", opts.resyncMs),
    onCertificate,
    log,
  });
}

/** The operator namespace is the cluster-wide kill-switch namespace unless configured otherwise. */
function withKillSwitch(policy: PolicyConfig, namespace: string): PolicyConfig {
  return {
    ...policy,
    chaos: { ...policy.chaos, killSwitchNamespace: policy.chaos.killSwitchNamespace ?? namespace },
  };
}

/** Starts certificate management and the webhook server; resolves once the server listens. */
export async function startWebhooks(opts: StartWebhooksOptions): Promise<RunningWebhooks> {
  const log = opts.log.child({ component: "webhooks" });
  let server: WebhookServer | undefined;
  const certs = rotatorFor(opts, log, (b) =>
    server?.setCertificate({ cert: b.tlsCert, key: b.tlsKey }),
  );
  const first = await certs.start(opts.signal);
  try {
    server = await startWebhookServer({
      handlers: HANDLERS,
      lookup: new KubeLookup(opts.kube),
      policy: withKillSwitch(opts.policy ?? DEFAULT_POLICY, opts.namespace ?? DEFAULTS.namespace),
      ...opt("deadlineMs", opts.deadlineMs),
      ...opt("metrics", opts.registry === undefined ? undefined : webhookMetrics(opts.registry)),
      tls: { cert: first.tlsCert, key: first.tlsKey },
      host: opts.host ?? DEFAULTS.host,
      port: opts.port ?? DEFAULTS.port,
      log,
      ...opt("limits", opts.limits),
    });
  } catch (err: unknown) {
    certs.stop();
    throw err;
  }
  // A rotation between the first pass and listen would be missed otherwise.
  const current = certs.current;
  if (current !== undefined && current.tlsCert !== first.tlsCert)
    server.setCertificate({ cert: current.tlsCert, key: current.tlsKey });
  log.info({ url: server.url }, "Started admission webhook server");
  const running = server;
  const names = opts.configNames ?? DEFAULT_CONFIG_NAMES;
  const local = opts.registerLocalConfigurations;
  if (local !== undefined && local !== false) {
    const selector = typeof local === "object" ? local.objectSelector : undefined;
    await applyLocalConfigurations(
      opts.kube,
      running.port,
      certs.current?.caBundle ?? first.caBundle,
      names,
      selector,
    );
    log.info({ ...names, url: running.url }, "Registered local webhook configurations");
  }
  return {
    server: running,
    certs,
    stop: async () => {
      certs.stop();
      if (local !== undefined && local !== false) await deleteConfigurations(opts.kube, names);
      await running.close();
    },
  };
}

const CONFIG_PATHS = {
  validating: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
  mutating: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
} as const;

/** Server-side applies the `https://127.0.0.1:<port>` configurations (field manager librechat-webhooks). */
export async function applyLocalConfigurations(
  kube: KubeTransport,
  port: number,
  caBundle: string,
  names: WebhookConfigNames = DEFAULT_CONFIG_NAMES,
  objectSelector?: Record<string, unknown>,
): Promise<void> {
  const configs = localWebhookConfigurations(port, caBundle, {
    names,
    ...opt("objectSelector", objectSelector),
  });
  for (const which of ["validating", "mutating"] as const) {
    await kube.request({
      method: "PATCH",
      path: `${CONFIG_PATHS[which]}/${names[which]}`,
      query: { fieldManager: "librechat-webhooks", force: true },
      contentType: "application/apply-patch+yaml",
      body: configs[which],
      signal: AbortSignal.timeout(10_000),
    });
  }
}

/** Deletes both configurations (404 ignored). */
export async function deleteConfigurations(
  kube: KubeTransport,
  names: WebhookConfigNames = DEFAULT_CONFIG_NAMES,
): Promise<void> {
  for (const which of ["validating", "mutating"] as const) {
    try {
      await kube.request({
        method: "DELETE",
        path: `${CONFIG_PATHS[which]}/${names[which]}`,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err: unknown) {
      if (errorCode(err) !== 404) throw err;
    }
  }
}
