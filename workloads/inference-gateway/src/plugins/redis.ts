/**
 * ioredis client as a Fastify plugin: decorates `fastify.redis`, quits in onClose.
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
    commandTimeout: 2_000,
    connectTimeout: 2_000,
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
