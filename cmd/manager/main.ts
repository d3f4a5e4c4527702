#!/usr/bin/env node
// The manager program (kube-controller-manager style): parse config, build one manager, set up
// the controller modules picked by --controllers (default all), optionally serve the admission
// webhooks, run until SIGTERM. `make run` starts it against $KUBECONFIG; in a cluster it uses
// the service account. Top of the dependency graph: it imports controllers and the runtime,
// nothing imports it.
// Memory: nothing here imports the @kubernetes/client-node package root (only types); KubeConfig
// comes from loadKubeConfig, which skips client-node's generated APIs (~50 MB RSS). V8 heap limits
// are set by the caller through NODE_OPTIONS (manifests/manager/deployment.yaml, the operator bench).
import { loadKubeConfig } from "../../operators/clients/kubeconfig.ts";
import type * as WebhooksModule from "../../webhooks/index.ts";
import type { RunningWebhooks, StartWebhooksOptions } from "../../webhooks/index.ts";
import type { ManagerOptions } from "../../operators/runtime/index.ts";
import {
  createLogger,
  handleSignals,
  KubeClient,
  Manager,
  MetricsAuthorizer,
} from "../../operators/runtime/index.ts";
import type { ManagerConfig } from "./config.ts";
import { ConfigError, helpText, parseConfig } from "./config.ts";
import { MODULES } from "./modules.ts";

interface Startup {
  cfg: ManagerConfig;
  /** Loaded only when webhooks are on: Fastify and the X.509 code cost ~5 MB RSS otherwise. */
  webhooks?: { module: typeof WebhooksModule; opts: Omit<StartWebhooksOptions, "kube" | "log"> };
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** Reads flags and environment; exits 2 with a message naming the setting when one is invalid. */
async function configure(): Promise<Startup | "help"> {
  let module: typeof WebhooksModule | undefined;
  try {
    const cfg = parseConfig(process.argv.slice(2), process.env, MODULES);
    if (cfg === "help") return cfg;
    if (cfg.webhooks === "off") return { cfg };
    module = await import("../../webhooks/index.ts");
    return { cfg, webhooks: { module, opts: module.webhookOptionsFromEnv(process.env) } };
  } catch (err) {
    if (
      err instanceof ConfigError ||
      (module !== undefined && err instanceof module.WebhookConfigError)
    )
      fail(err.message);
    throw err;
  }
}

function leaderElection(cfg: ManagerConfig): Pick<ManagerOptions, "leaderElection"> {
  if (!cfg.leaderElect) return {};
  return {
    leaderElection: {
      leaseName: cfg.leaseName,
      leaseNamespace: cfg.leaseNamespace,
      leaseDurationMs: cfg.leaseDurationMs,
      renewDeadlineMs: cfg.renewDeadlineMs,
      retryPeriodMs: cfg.retryPeriodMs,
      ...(cfg.identity !== undefined ? { identity: cfg.identity } : {}),
    },
  };
}

/** Lets each selected module register its controllers; a module's flag error exits 2. */
async function setupModules(cfg: ManagerConfig, mgr: Manager, client: KubeClient): Promise<void> {
  for (const m of cfg.modules) {
    try {
      await m.setup({
        mgr,
        client,
        log: mgr.log.child({ module: m.name }),
        flags: cfg.moduleFlags.get(m.name) ?? {},
        operatorNamespace: cfg.operatorNamespace,
      });
    } catch (err) {
      if (err instanceof ConfigError) fail(err.message);
      throw new Error(`setting up controller module ${m.name}`, { cause: err });
    }
  }
}

async function main(): Promise<void> {
  const startup = await configure();
  if (startup === "help") {
    process.stdout.write(`${helpText(MODULES)}\n`);
    return;
  }
  const { cfg } = startup;
  const log = createLogger({ name: "librechat-operator", level: cfg.logLevel });
  const kc = await loadKubeConfig();

  const mgr = new Manager({
    kubeConfig: kc,
    name: "librechat-operator",
    logger: log,
    ...(cfg.namespace !== undefined ? { namespace: cfg.namespace } : {}),
    ...(cfg.metrics !== undefined ? { metricsAddress: cfg.metrics } : {}),
    ...(cfg.health !== undefined ? { healthAddress: cfg.health } : {}),
    ...leaderElection(cfg),
  });
  if (cfg.metricsSecure) {
    // Set after construction so the reviews share the manager's connection pool.
    mgr.setMetricsAuthorizer(
      new MetricsAuthorizer(async (path, body) => {
        const r = await mgr.http.request({ method: "POST", path, body });
        return { status: r.status, body: r.body };
      }),
    );
  }
  // One connection pool for the caches and the controllers' writes.
  const client = new KubeClient(kc, { http: mgr.http });
  await setupModules(cfg, mgr, client);

  // Every replica serves admission webhooks (no leader needed); started before the caches so
  // the API server can reach them while we sync.
  let webhooks: RunningWebhooks | undefined;
  if (startup.webhooks !== undefined) {
    webhooks = await startup.webhooks.module.startWebhooks({
      kube: mgr.http,
      log,
      registry: mgr.registry,
      ...startup.webhooks.opts,
      registerLocalConfigurations: cfg.webhooks === "local",
    });
  }
  handleSignals(
    {
      stop: async () => {
        await mgr.stop();
        await webhooks?.stop();
      },
    },
    { logger: log },
  );
  await mgr.start();
  // A replica stopped while waiting for leadership returns from start() without having started.
  if (mgr.isStopping()) return;
  log.info(
    {
      controllers: cfg.modules.map((m) => m.name),
      lease: cfg.leaderElect ? cfg.leaseName : undefined,
      metrics: mgr.metricsUrl,
      health: mgr.healthUrl,
      namespace: cfg.namespace ?? "(all)",
    },
    "Started operator manager",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
