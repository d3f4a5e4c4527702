/**
 * ioredis client as a Fastify plugin: decorates `fastify.igwRedis`, quits in onClose. Every
 * command has a timeout; after a lost connection it reconnects by itself (backoff up to 2 s), so
 * a Redis restart needs no gateway restart.
 */
import fp from "fastify-plugin";
import { Redis } from "ioredis";
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    igwRedis: Redis;
  }
}

/** Options of the redis plugin. */
export interface RedisPluginOptions {
  url: string;
  /** Timeout of each command and of connecting (ms). */
  commandTimeoutMs: number;
}

async function redisPlugin(app: FastifyInstance, opts: RedisPluginOptions): Promise<void> {
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    // No auto-pipelining: the limiter already batches a turn's admissions and settlements into
    // one script call (limits/limiter.ts), and ioredis builds a Pipeline object per tick for it,
    // garbage that outlives young-generation GC and showed up as tail latency.
    enableAutoPipelining: false,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.commandTimeoutMs,
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
  });
  redis.on("error", (err: Error) => {
    app.log.warn({ err: { message: err.message } }, "Redis connection failed");
  });
  await redis.connect();
  app.decorate("igwRedis", redis);
  app.addHook("onClose", async () => {
    await redis.quit().catch(() => {
      redis.disconnect();
    });
  });
}

export default fp(redisPlugin, { name: "igw-redis", fastify: "5.x" });
