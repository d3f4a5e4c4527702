import fp from "fastify-plugin";
import { Redis } from "ioredis";
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyInstance {
    /** Commands and publishing. */
    redis: Redis;
    /** Subscriber connection (pub/sub mode only). */
    redisSub: Redis;
  }
}

/** Two ioredis clients (commands, subscriber), closed in onClose. */
export default fp(
  async function redisPlugin(app: FastifyInstance, opts: { url: string }): Promise<void> {
    const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const redisSub = new Redis(opts.url, { lazyConnect: true });
    for (const c of [redis, redisSub]) {
      c.on("error", (err) => {
        app.log.warn({ err }, "Failed on a Redis connection");
      });
    }
    await redis.connect();
    await redisSub.connect();
    app.decorate("redis", redis);
    app.decorate("redisSub", redisSub);
    app.addHook("onClose", async () => {
      await Promise.allSettled([redis.quit(), redisSub.quit()]);
    });
  },
  { name: "chat-redis" },
);
