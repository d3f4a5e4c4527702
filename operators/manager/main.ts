#!/usr/bin/env node
// Operator entrypoint: parse config, build the manager, register controllers, run until SIGTERM.
// `make run` starts it against $KUBECONFIG; in a cluster it uses the service account.
import { KubeConfig } from "@kubernetes/client-node";
import { addAIModelController } from "../../controllers/aimodel/controller.ts";
import { createLogger, handleSignals, KubeClient, Manager } from "../runtime/index.ts";
import { ConfigError, HELP, parseConfig } from "./config.ts";

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
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
  const kc = new KubeConfig();
  kc.loadFromDefault();

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
  const client = new KubeClient(kc);
  addAIModelController(mgr, client, { maxConcurrentReconciles: cfg.aimodelConcurrency, config: { clusterDomain: cfg.clusterDomain } });

  handleSignals(mgr, { logger: log });
  await mgr.start();
  // A replica stopped while waiting for leadership returns from start() without having started.
  if (mgr.isStopping()) return;
  log.info({ metrics: mgr.metricsUrl, health: mgr.healthUrl, namespace: cfg.namespace ?? "(all)" }, "Started operator manager");
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
