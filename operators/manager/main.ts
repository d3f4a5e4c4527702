#!/usr/bin/env node
// Operator entrypoint: parse config, build the manager, register controllers, run until SIGTERM.
// `make run` starts it against $KUBECONFIG; in a cluster it uses the service account.
// Memory: nothing here imports the @kubernetes/client-node package root (only types); KubeConfig
// comes from loadKubeConfig, which skips client-node's generated APIs (~50 MB RSS). V8 heap limits
// are set by the caller through NODE_OPTIONS (manifests/manager/deployment.yaml, the operator bench).
import { loadKubeConfig } from "../clients/kubeconfig.ts";
import { addAIModelController } from "../../controllers/aimodel/controller.ts";
import type * as WebhooksModule from "../../webhooks/index.ts";
import type { RunningWebhooks, StartWebhooksOptions } from "../../webhooks/index.ts";
import type { ManagerOptions } from "../runtime/index.ts";
import { createLogger, handleSignals, KubeClient, Manager } from "../runtime/index.ts";
import type { OperatorConfig } from "./config.ts";
import { ConfigError, HELP, parseConfig } from "./config.ts";

interface Startup {
  cfg: OperatorConfig;
  /** Loaded only when webhooks are on: Fastify and the X.509 code cost ~5 MB RSS otherwise. */
  webhooks?: { module: typeof WebhooksModule; opts: Omit<StartWebhooksOptions, "kube" | "log"> };
}

/** Reads flags and environment; exits 2 with a message naming the setting when one is invalid. */
async function configure(): Promise<Startup | "help"> {
  let module: typeof WebhooksModule | undefined;
  try {
    const cfg = parseConfig(process.argv.slice(2), process.env);
    if (cfg === "help") return cfg;
    if (cfg.webhooks === "off") return { cfg };
    module = await import("../../webhooks/index.ts");
    return { cfg, webhooks: { module, opts: module.webhookOptionsFromEnv(process.env) } };
  } catch (err) {
    if (err instanceof ConfigError || (module !== undefined && err instanceof module.WebhookConfigError)) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

function leaderElection(cfg: OperatorConfig): Pick<ManagerOptions, "leaderElection"> {
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

async function main(): Promise<void> {
  const startup = await configure();
  if (startup === "help") {
    process.stdout.write(`${HELP}\n`);
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
  // One connection pool for the caches and the controllers' writes.
  const client = new KubeClient(kc, { http: mgr.http });
  addAIModelController(mgr, client, { maxConcurrentReconciles: cfg.aimodelConcurrency, config: { clusterDomain: cfg.clusterDomain } });

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
  log.info({ metrics: mgr.metricsUrl, health: mgr.healthUrl, namespace: cfg.namespace ?? "(all)" }, "Started operator manager");
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
