import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import type { ChatGatewayConfig } from "../config.ts";
import { FanoutHub } from "../fanout/hub.ts";
import { Presence } from "../presence/presence.ts";
import { ReplyRunner } from "../inference/replies.ts";
import type { InferenceOptions } from "../inference/client.ts";
import { Indexer } from "../search/indexer.ts";
import { ChatService } from "../session/service.ts";
import { withScope } from "../store/db.ts";
import { readStream } from "../store/event-store.ts";
import { ConversationRepository } from "../store/repository.ts";
import { CLOSE } from "../errors.ts";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";

/** Everything the routes need, built once per app instance. */
export interface ChatCore {
  config: ChatGatewayConfig;
  service: ChatService;
  hub: FanoutHub;
  presence: Presence;
  replies: ReplyRunner;
  indexer: Indexer;
  repo: ConversationRepository;
  inference: InferenceOptions | undefined;
  /** Graceful drain: stop accepting, tell clients to reconnect, finish in-flight writes. */
  drain(): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    chat: ChatCore;
  }
}

export default fp(
  async function chatPlugin(app: FastifyInstance, opts: { config: ChatGatewayConfig }): Promise<void> {
    const cfg = opts.config;
    const m = app.metrics;
    const inference: InferenceOptions | undefined =
      cfg.inferenceUrl === undefined ? undefined : { baseUrl: cfg.inferenceUrl, apiKey: cfg.inferenceApiKey };
    const repo = new ConversationRepository(app.pg, { leaseMs: cfg.replyLeaseMs, maxCached: 10_000, maxRetries: 25 });
    const hub = new FanoutHub({
      pub: app.redis,
      sub: app.redisSub,
      load: (scope, streamId, after, limit) => withScope(app.pg, scope, (c) => readStream(c, streamId, after, limit)),
      heads: async (ids) => {
        const r = await app.pg.query<{ stream_id: string; version: number }>(
          "SELECT stream_id, version FROM chat.stream_heads($1::uuid[])",
          [ids],
        );
        return new Map(r.rows.map((x) => [x.stream_id, x.version]));
      },
      metrics: {
        delivered: (n) => { m.messagesOut.inc(n); },
        latency: (s) => { m.deliveryLatency.observe(s); },
        replayed: (n) => { m.replayed.inc(n); },
        gapFilled: (n) => { m.gapFilled.inc(n); },
      },
      headPollMs: cfg.headPollMs,
      onError: (err, msg) => { app.log.warn({ err }, msg); },
    });
    const presence = new Presence({
      redis: app.redis,
      ttlMs: cfg.presenceTtlMs,
      flushMs: 1000,
      publish: (conv, frame) => hub.publishEphemeral(conv, frame),
      onError: (err) => { app.log.warn({ err }, "Failed to update presence"); },
    });
    const replies = new ReplyRunner({
      pool: app.pg,
      repo,
      inference,
      replicaId: cfg.replicaId,
      leaseMs: cfg.replyLeaseMs,
      publishEvents: (r) => hub.publishEvents(r),
      publishEphemeral: (s, f) => hub.publishEphemeral(s, f),
      onError: (err, msg) => { app.log.warn({ err }, msg); },
    });
    const indexer = new Indexer({
      pool: app.pg,
      inference,
      model: cfg.embeddingModel,
      intervalMs: cfg.indexerIntervalMs,
      onError: (err) => { app.log.warn({ err }, "Failed to index messages"); },
      onBacklog: (n) => { m.projectionLag.set(n); },
    });
    const service = new ChatService({
      pool: app.pg,
      redis: app.redis,
      repo,
      hub,
      presence,
      replies,
      config: {
        replicaId: cfg.replicaId,
        defaultModel: cfg.defaultModel,
        maxMessageChars: cfg.maxMessageChars,
        rateLimitMessages: cfg.rateLimitMessages,
        rateLimitWindowMs: cfg.rateLimitWindowMs,
        maxSubscriptions: cfg.maxSubscriptions,
      },
      metrics: { resume: () => { m.resumes.inc(); }, command: (t) => { m.commands.inc({ type: t }); } },
    });
    const gauges = setInterval(() => {
      m.feeds.set(hub.feedCount);
      m.activeReplies.set(replies.activeCount);
    }, 1000);
    gauges.unref();

    // Startup sweep: replies left streaming by a crashed replica whose lease already expired.
    await replies.sweep().catch((err: unknown) => { app.log.warn({ err }, "Failed the startup reply sweep"); });

    let drained: Promise<void> | null = null;
    const drain = (): Promise<void> => {
      drained ??= (async () => {
        service.draining = true;
        const frame = JSON.stringify({ v: PROTOCOL_VERSION, type: "reconnect", reason: "draining", retryAfterMs: 100 });
        await service.waitInflight(cfg.drainTimeoutMs);
        await replies.abortAll("shutdown");
        for (const conn of [...service.connections.values()]) {
          conn.send(frame);
          conn.close(CLOSE.RESTART, "server restarting");
        }
        app.log.info({ replica: cfg.replicaId }, "Drained connections");
      })();
      return drained;
    };

    app.decorate("chat", { config: cfg, service, hub, presence, replies, indexer, repo, inference, drain });
    app.addHook("preClose", async () => {
      await drain();
    });
    app.addHook("onClose", async () => {
      clearInterval(gauges);
      replies.close();
      indexer.close();
      hub.close();
      await presence.close();
    });
  },
  { name: "chat-core", dependencies: ["chat-pg", "chat-redis", "chat-metrics"] },
);
