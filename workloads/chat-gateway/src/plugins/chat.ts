/**
 * The chat core as a Fastify plugin: fan-out hub, presence, reply runner, search indexer, the
 * transport-independent service, connection limits, the regions table and the graceful drain.
 * Each part is built by its own function below; the plugin wires them and their lifecycle.
 */
import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import type { ChatGatewayConfig } from "../config.ts";
import { CLOSE } from "../errors.ts";
import { FanoutHub } from "../fanout/hub.ts";
import type { InferenceOptions } from "../inference/client.ts";
import { ReplyRunner } from "../inference/replies.ts";
import { Presence } from "../presence/presence.ts";
import { ConnectionLimiter } from "../ratelimit.ts";
import { RegionsWatcher, type RegionsTable } from "../regions.ts";
import { Indexer } from "../search/indexer.ts";
import { ChatService } from "../session/service.ts";
import { reconnectFrame } from "../session/session.ts";
import { withScope } from "../store/db.ts";
import { startTracing, type Tracing } from "../../../../lib/tracing/index.ts";
import { readStream } from "../store/event-store.ts";
import { ConversationRepository } from "../store/repository.ts";

/** The configuration the running app keeps: no admin URL, no role password (see server.ts). */
export type RuntimeConfig = Omit<
  ChatGatewayConfig,
  "databaseUrl" | "appDatabaseUrl" | "appDbPassword"
>;

/** Everything the routes need, built once per app instance. */
export interface ChatCore {
  config: RuntimeConfig;
  service: ChatService;
  hub: FanoutHub;
  presence: Presence;
  replies: ReplyRunner;
  indexer: Indexer;
  repo: ConversationRepository;
  inference: InferenceOptions | undefined;
  /** Client connections on this replica (total and per user). */
  limits: ConnectionLimiter;
  /** The current regions table (CHAT_REGIONS_FILE), or null. */
  regions(): RegionsTable | null;
  /** Graceful drain: stop accepting, finish in-flight writes, tell clients to reconnect. */
  drain(): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    chat: ChatCore;
  }
}

function buildHub(app: FastifyInstance, cfg: RuntimeConfig): FanoutHub {
  const m = app.metrics;
  return new FanoutHub({
    pub: app.redis,
    sub: app.redisSub,
    load: (scope, streamId, after, limit) =>
      withScope(app.pg, scope, (c) => readStream(c, streamId, after, limit)),
    heads: async (ids) => {
      const r = await app.pg.query<{ stream_id: string; version: number }>(
        "SELECT stream_id, version FROM chat.stream_heads($1::uuid[])",
        [ids],
      );
      return new Map(r.rows.map((x) => [x.stream_id, x.version]));
    },
    metrics: {
      delivered: (n) => {
        m.messagesOut.inc(n);
      },
      latency: (s) => {
        m.deliveryLatency.observe(s);
      },
      replayed: (n) => {
        m.replayed.inc(n);
      },
      gapFilled: (n) => {
        m.gapFilled.inc(n);
      },
    },
    headPollMs: cfg.headPollMs,
    onError: (err, msg) => {
      app.log.warn({ err }, msg);
    },
  });
}

interface Workers {
  presence: Presence;
  replies: ReplyRunner;
  indexer: Indexer;
}

function buildWorkers(
  app: FastifyInstance,
  cfg: RuntimeConfig,
  hub: FanoutHub,
  repo: ConversationRepository,
  outbound: { inference: InferenceOptions | undefined; tracing: Tracing | undefined },
): Workers {
  const { inference, tracing } = outbound;
  const presence = new Presence({
    redis: app.redis,
    ttlMs: cfg.presenceTtlMs,
    flushMs: 1000,
    publish: (conv, frame) => hub.publishEphemeral(conv, frame),
    onError: (err) => {
      app.log.warn({ err }, "Failed to update presence");
    },
  });
  const replies = new ReplyRunner({
    pool: app.pg,
    repo,
    inference,
    replicaId: cfg.replicaId,
    leaseMs: cfg.replyLeaseMs,
    tracing,
    publishEvents: (r) => hub.publishEvents(r),
    publishEphemeral: (s, f) => hub.publishEphemeral(s, f),
    onError: (err, msg) => {
      app.log.warn({ err }, msg);
    },
  });
  const indexer = new Indexer({
    pool: app.pg,
    inference,
    model: cfg.embeddingModel,
    intervalMs: cfg.indexerIntervalMs,
    onError: (err) => {
      app.log.warn({ err }, "Failed to index messages");
    },
    onBacklog: (n) => {
      app.metrics.projectionLag.set(n);
    },
  });
  return { presence, replies, indexer };
}

function buildService(
  app: FastifyInstance,
  cfg: RuntimeConfig,
  hub: FanoutHub,
  repo: ConversationRepository,
  w: Workers,
): ChatService {
  const m = app.metrics;
  return new ChatService({
    pool: app.pg,
    redis: app.redis,
    repo,
    hub,
    presence: w.presence,
    replies: w.replies,
    config: {
      replicaId: cfg.replicaId,
      defaultModel: cfg.defaultModel,
      maxMessageChars: cfg.maxMessageChars,
      rateLimitMessages: cfg.rateLimitMessages,
      rateLimitWindowMs: cfg.rateLimitWindowMs,
      maxSubscriptions: cfg.maxSubscriptions,
      typingPerSecond: cfg.typingPerSecond,
    },
    metrics: {
      resume: () => {
        m.resumes.inc();
      },
      command: (t) => {
        m.commands.inc({ type: t });
      },
    },
    onError: (err, msg) => {
      app.log.warn({ err }, msg);
    },
  });
}

/** The drain sequence, once: refuse new work, wait for writes, stop replies, send `reconnect`. */
function makeDrain(app: FastifyInstance, core: Omit<ChatCore, "drain">): () => Promise<void> {
  let drained: Promise<void> | null = null;
  return () => {
    drained ??= (async () => {
      const { service, replies, config } = core;
      service.draining = true;
      await service.waitInflight(config.drainTimeoutMs);
      await replies.abortAll("shutdown");
      const frame = reconnectFrame("draining", 100, core.regions());
      for (const conn of [...service.connections.values()]) {
        conn.send(frame);
        conn.close(CLOSE.RESTART, "server restarting");
      }
      app.log.info(
        { replica: config.replicaId, connections: service.connections.size },
        "Drained connections",
      );
    })();
    return drained;
  };
}

async function startRegions(
  app: FastifyInstance,
  file: string | undefined,
): Promise<RegionsWatcher | null> {
  if (file === undefined) return null;
  const watcher = new RegionsWatcher(file, {
    onError: (err, msg) => {
      app.log.warn({ err }, msg);
    },
    onChange: (t) => {
      app.log.info({ regions: t?.regions.length ?? 0, self: t?.self }, "Loaded the regions table");
    },
  });
  await watcher.start();
  return watcher;
}

export default fp(
  async function chatPlugin(app: FastifyInstance, opts: { config: RuntimeConfig }): Promise<void> {
    const cfg = opts.config;
    const m = app.metrics;
    const inference: InferenceOptions | undefined =
      cfg.inferenceUrl === undefined
        ? undefined
        : {
            baseUrl: cfg.inferenceUrl,
            apiKey: cfg.inferenceApiKey,
            stallTimeoutMs: cfg.inferenceStallMs,
          };
    const repo = new ConversationRepository(app.pg, {
      leaseMs: cfg.replyLeaseMs,
      maxCached: 10_000,
      maxRetries: 25,
    });
    const hub = buildHub(app, cfg);
    // Off (undefined, no SDK loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
    const tracing = await startTracing(cfg.tracing);
    const workers = buildWorkers(app, cfg, hub, repo, { inference, tracing });
    const service = buildService(app, cfg, hub, repo, workers);
    const limits = new ConnectionLimiter(cfg.maxConnections, cfg.maxConnectionsPerUser);
    const regionsWatcher = await startRegions(app, cfg.regionsFile);
    m.maxConnections.set(cfg.maxConnections);
    const gauges = setInterval(() => {
      m.feeds.set(hub.feedCount);
      m.activeReplies.set(workers.replies.activeCount);
      service.sweepLimits();
    }, 1000);
    gauges.unref();

    // Startup sweep: replies left streaming by a crashed replica whose lease already expired.
    await workers.replies.sweep().catch((err: unknown) => {
      app.log.warn({ err }, "Failed the startup reply sweep");
    });

    const partial = {
      config: cfg,
      service,
      hub,
      ...workers,
      repo,
      inference,
      limits,
      regions: () => regionsWatcher?.table ?? null,
    };
    const drain = makeDrain(app, partial);
    app.decorate("chat", { ...partial, drain });
    app.addHook("preClose", async () => {
      await drain();
    });
    app.addHook("onClose", async () => {
      clearInterval(gauges);
      regionsWatcher?.close();
      workers.replies.close();
      workers.indexer.close();
      hub.close();
      await workers.presence.close();
      // Last: the spans of replies the drain aborted are exported before the process exits.
      await tracing?.shutdown();
    });
  },
  { name: "chat-core", dependencies: ["chat-pg", "chat-redis", "chat-metrics"] },
);
