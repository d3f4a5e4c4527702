#!/usr/bin/env node
// Operator entrypoint: parse config, build the manager, register controllers, run until SIGTERM.
// `make run` starts it against $KUBECONFIG; in a cluster it uses the service account.
// Memory: nothing here imports the @kubernetes/client-node package root (only types); KubeConfig
// comes from loadKubeConfig, which skips client-node's generated APIs (~50 MB RSS). V8 heap limits
// are set by the caller through NODE_OPTIONS (manifests/manager/deployment.yaml, the operator bench).
import { loadKubeConfig } from "../clients/kubeconfig.ts";
import { addAIModelController } from "../../controllers/aimodel/controller.ts";
import { startWebhooks, WebhookConfigError, webhookOptionsFromEnv } from "../../webhooks/index.ts";
import type { RunningWebhooks } from "../../webhooks/index.ts";
import { createLogger, handleSignals, KubeClient, Manager } from "../runtime/index.ts";
import { ConfigError, HELP, parseConfig } from "./config.ts";

async function main(): Promise<void> {
  let cfg;
  let webhookOpts;
  try {
    cfg = parseConfig(process.argv.slice(2), process.env);
    webhookOpts = cfg !== "help" && cfg.webhooks !== "off" ? webhookOptionsFromEnv(process.env) : undefined;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof WebhookConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (cfg === "help") {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const log = createLogger({ name: "librechat-operator", level: cfg.logLevel });
  const kc = await loadKubeConfig();

  const mgr = new Manager({
    kubeConfig: kc,
    name: "librechat-operator",
    logger: log,
    ...(cfg.namespace !== undefined ? { namespace: cfg.namespace } : {}),
    ...(cfg.metrics !== undefined ? { metricsAddress: cfg.metrics } : {}),
    ...(cfg.health !== undefined ? { healthAddress: cfg.health } : {}),
    ...(cfg.leaderElect
      ? {
          leaderElection: {
            leaseName: cfg.leaseName,
            leaseNamespace: cfg.leaseNamespace,
            leaseDurationMs: cfg.leaseDurationMs,
            renewDeadlineMs: cfg.renewDeadlineMs,
            retryPeriodMs: cfg.retryPeriodMs,
            ...(cfg.identity !== undefined ? { identity: cfg.identity } : {}),
          },
        }
      : {}),
  });
  // One connection pool for the caches and the controllers' writes.
  const client = new KubeClient(kc, { http: mgr.http });
  addAIModelController(mgr, client, { maxConcurrentReconciles: cfg.aimodelConcurrency, config: { clusterDomain: cfg.clusterDomain } });

  // Every replica serves admission webhooks (no leader needed); started before the caches so
  // the API server can reach them while we sync.
  let webhooks: RunningWebhooks | undefined;
  if (webhookOpts !== undefined) {
    webhooks = await startWebhooks({
      kube: mgr.http,
      log,
      ...webhookOpts,
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
