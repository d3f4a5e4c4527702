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
    // Commands issued in the same tick share one write: admission and settlement of concurrent
    // requests batch into a few syscalls.
    enableAutoPipelining: true,
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
