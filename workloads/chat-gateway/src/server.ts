/**
 * The chat gateway's entrypoint: `node server.ts` serves (Fastify server with the logger, bounded
 * timeouts and connection count, SIGTERM drain, listen); `node server.ts migrate` applies the
 * database migrations with DATABASE_URL and exits (a one-shot step for a Job or init container,
 * so the serving pods need only CHAT_APP_DATABASE_URL).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Fastify, { type FastifyInstance } from "fastify";
import chatGatewayApp from "./app.ts";
import { loadConfig, type ChatGatewayConfig } from "./config.ts";
import { loggerOptions, serializeError } from "./log.ts";
import { migrate } from "./store/migrate.ts";

/** Room above the client-connection limit for probes, metrics, POSTs and handshakes. */
const SOCKET_HEADROOM = 512;

/** Builds the Fastify server (logger, timeouts, socket limit) around the app plugin. */
export async function buildServer(
  config: ChatGatewayConfig,
  logLevel = config.logLevel,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(logLevel, config.replicaId),
    // Socket inactivity: long enough for SSE streams, which write a comment every heartbeat.
    connectionTimeout: Math.max(config.heartbeatMs * 3, config.requestTimeoutMs),
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    bodyLimit: config.maxFrameBytes,
    forceCloseConnections: false,
    // Node checks headers/request timeouts every connectionsCheckingInterval (30 s by default),
    // which would let a slow-loris client hold a socket far past headersTimeout.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const server = createServer(
        {
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: config.requestTimeoutMs,
          keepAliveTimeout: config.keepAliveTimeoutMs,
          connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
        },
        handler,
      );
      server.maxConnections = config.maxConnections + config.maxPendingUpgrades + SOCKET_HEADROOM;
      return server;
    },
  });
  await app.register(chatGatewayApp, { config });
  return app;
}

/** Variables holding database credentials: removed from the process once they are used. */
const SECRET_ENV = ["DATABASE_URL", "CHAT_APP_DB_PASSWORD", "CHAT_APP_DATABASE_URL"];

async function serve(config: ChatGatewayConfig): Promise<void> {
  for (const name of SECRET_ENV) Reflect.deleteProperty(process.env, name);
  const app = await buildServer(config);
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
  process.on("SIGTERM", () => {
    shutdown("SIGTERM");
  });
  process.on("SIGINT", () => {
    shutdown("SIGINT");
  });
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address, replica: config.replicaId }, "Started chat gateway");
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const command = argv[0] ?? "serve";
  if (command === "migrate") {
    if (config.databaseUrl === undefined) throw new Error("migrate needs DATABASE_URL");
    const applied = await migrate(config.databaseUrl, config.appDbPassword);
    console.log(JSON.stringify({ level: 30, msg: "Applied migrations", applied }));
    return;
  }
  if (command !== "serve") throw new Error(`unknown command ${command} (serve | migrate)`);
  await serve(config);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(JSON.stringify({ level: 60, msg: "Failed to start", err: serializeError(err) }));
    process.exit(1);
  });
}
