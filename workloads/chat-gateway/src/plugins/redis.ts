/**
 * Redis as a Fastify plugin: two ioredis clients (commands, subscriber), closed in onClose. Every
 * command is bounded by CHAT_REDIS_COMMAND_TIMEOUT_MS and fails at once while disconnected (no
 * offline queue), so a Redis outage costs callers a bounded wait, never a hang; ioredis
 * reconnects (and the subscriber resubscribes its channels) by itself.
 */
import fp from "fastify-plugin";
import { Redis, type RedisOptions } from "ioredis";
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    /** Commands and publishing. */
    redis: Redis;
    /** Subscriber connection (pub/sub mode only). */
    redisSub: Redis;
  }
}

/** Client options (pure): bounded commands and connects, capped reconnect backoff. */
export function redisOptions(commandTimeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1_000, commandTimeoutMs * 2),
    maxRetriesPerRequest: 1,
    // While disconnected, fail at once instead of queueing: callers degrade (local rate limit,
    // PostgreSQL head poll) rather than wait for a Redis that may be gone for minutes.
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
}

export default fp(
  async function redisPlugin(
    app: FastifyInstance,
    opts: { url: string; commandTimeoutMs: number },
  ): Promise<void> {
    const redis = new Redis(opts.url, redisOptions(opts.commandTimeoutMs));
    const redisSub = new Redis(opts.url, redisOptions(opts.commandTimeoutMs));
    let failing = false;
    for (const c of [redis, redisSub]) {
      c.on("error", (err) => {
        // One line per outage, not one per reconnect attempt.
        if (!failing) app.log.warn({ err }, "Failed on a Redis connection");
        failing = true;
      });
      c.on("ready", () => {
        if (failing) app.log.info("Reconnected to Redis");
        failing = false;
      });
    }
    await redis.connect();
    await redisSub.connect();
    app.decorate("redis", redis);
    app.decorate("redisSub", redisSub);
    app.addHook("onClose", async () => {
      await Promise.allSettled([redis.quit(), redisSub.quit()]);
      redis.disconnect();
      redisSub.disconnect();
    });
  },
  { name: "chat-redis" },
);
