import Fastify, { type FastifyInstance } from "fastify";
import chatGatewayApp from "./app.ts";
import { loadConfig, type ChatGatewayConfig } from "./config.ts";

/** Builds the Fastify server (logger, timeouts) around the app plugin. */
export async function buildServer(config: ChatGatewayConfig, logLevel = "info"): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: logLevel, base: { replica: config.replicaId } },
    connectionTimeout: 0,
    keepAliveTimeout: 10_000,
    requestTimeout: 0,
    bodyLimit: config.maxFrameBytes,
    forceCloseConnections: false,
  });
  await app.register(chatGatewayApp, { config });
  return app;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildServer(config, process.env["LOG_LEVEL"] ?? "info");
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "Received signal, draining");
    const force = setTimeout(() => process.exit(1), config.drainTimeoutMs + 5_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "Failed to close cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => { shutdown("SIGTERM"); });
  process.on("SIGINT", () => { shutdown("SIGINT"); });
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address, replica: config.replicaId }, "Started chat gateway");
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
