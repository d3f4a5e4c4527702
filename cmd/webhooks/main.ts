#!/usr/bin/env node
// The admission webhook server as its own deployable: certificates, the HTTPS server, caBundle
// sync, plus /healthz, /readyz and /metrics. No caches and no leader election: admission fails
// closed, so every replica must answer at all times, whoever leads the controllers. The manager
// program can still serve the same webhooks in-process (--webhooks=cluster|local).
// Flags: lib/config.ts; webhook settings: environment (webhooks/config.ts WebhookEnvSchema).
import { Registry, collectDefaultMetrics } from "prom-client";
import type { FlagDefs } from "../../lib/config.ts";
import { ConfigError, flagHelp, parseFlags } from "../../lib/config.ts";
import { SERVING_FLAGS } from "../../lib/serving-flags.ts";
import { KubeHttp } from "../../operators/clients/http.ts";
import { loadKubeConfig } from "../../operators/clients/kubeconfig.ts";
import { healthHandler, listen, metricsHandler } from "../../operators/runtime/health.ts";
import type { RunningServer } from "../../operators/runtime/health.ts";
import { createLogger } from "../../operators/runtime/logger.ts";
import { handleSignals } from "../../operators/runtime/shutdown.ts";
import { parseAddress } from "../manager/config.ts";
import { startWebhooks, webhookOptionsFromEnv } from "../../webhooks/index.ts";

export const WEBHOOK_FLAGS: FlagDefs = SERVING_FLAGS;

const HELP = flagHelp(
  "librechat admission webhooks",
  WEBHOOK_FLAGS,
  "\nWebhook settings come from WEBHOOK_* and CHAOS_* environment variables (webhooks/README.md).",
);

interface WebhookConfig {
  opts: ReturnType<typeof webhookOptionsFromEnv>;
  metricsAt: ReturnType<typeof parseAddress>;
  healthAt: ReturnType<typeof parseAddress>;
  logLevel: string;
}

/** Flags and environment, or "help"; exits 2 with a message naming the setting when one is invalid. */
function configure(): WebhookConfig | "help" {
  try {
    const flags = parseFlags(process.argv.slice(2), process.env, WEBHOOK_FLAGS);
    if (flags === "help") return "help";
    return {
      opts: webhookOptionsFromEnv(process.env),
      metricsAt: parseAddress("--metrics-bind-address", String(flags["metrics-bind-address"])),
      healthAt: parseAddress(
        "--health-probe-bind-address",
        String(flags["health-probe-bind-address"]),
      ),
      logLevel: String(flags["log-level"]),
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const cfg = configure();
  if (cfg === "help") {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { opts, metricsAt, healthAt } = cfg;
  const log = createLogger({ name: "librechat-webhooks", level: cfg.logLevel });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const kube = new KubeHttp(await loadKubeConfig());
  const webhooks = await startWebhooks({ kube, log, registry, ...opts });
  const servers: RunningServer[] = [];
  if (metricsAt !== undefined)
    servers.push(await listen(metricsAt.host, metricsAt.port, metricsHandler(registry)));
  // Ready once the server listens with a certificate: startWebhooks resolves only then.
  if (healthAt !== undefined)
    servers.push(
      await listen(
        healthAt.host,
        healthAt.port,
        healthHandler(() => [["webhook-server", () => true]]),
      ),
    );
  handleSignals(
    {
      stop: async () => {
        await webhooks.stop();
        await Promise.all(servers.map((s) => s.close()));
        await kube.close();
      },
    },
    { logger: log },
  );
  log.info(
    { url: webhooks.server.url, probes: servers.map((s) => s.url) },
    "Started admission webhooks",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
