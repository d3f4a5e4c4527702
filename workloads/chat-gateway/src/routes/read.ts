/**
 * Read models (conversations, messages, branches), search, the regions table and the probes.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ChatError } from "../errors.ts";
import { KeyedRateLimiter, scopeKey } from "../ratelimit.ts";
import { hybridSearch } from "../search/search.ts";
import { withScope } from "../store/db.ts";

const IdParams = Type.Object({ id: Type.String({ pattern: "^[0-9a-fA-F-]{36}$" }) });
type IdParams = Static<typeof IdParams>;
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) });
type ListQuery = Static<typeof ListQuery>;
const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 500 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});
type SearchQuery = Static<typeof SearchQuery>;

/** "up", "down" or "slow" (no answer within 500 ms: a probe must answer within its timeout). */
async function probe(p: Promise<unknown>): Promise<"up" | "down" | "slow"> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<"slow">((resolve) => {
    timer = setTimeout(() => {
      resolve("slow");
    }, 500);
  });
  try {
    return await Promise.race([
      p.then(
        () => "up" as const,
        () => "down" as const,
      ),
      slow,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Read models (CQRS query side) and search, all scoped to the token's tenant and user. */
export default function readRoutes(
  app: FastifyInstance,
  _opts: unknown,
  done: (err?: Error) => void,
): void {
  // Search is the most expensive read (full text + vector scan): limited per user on this replica.
  const perMinute = app.chat.config.searchPerMinute;
  const searchLimiter = new KeyedRateLimiter(perMinute / 60, perMinute);
  const scopeOf = async (
    req: Parameters<typeof app.authenticate>[0],
  ): Promise<{ tenantId: string; userId: string }> => {
    const p = await app.authenticate(req);
    return { tenantId: p.tenantId, userId: p.userId };
  };

  app.get<{ Querystring: ListQuery }>(
    "/v1/conversations",
    { schema: { querystring: ListQuery } },
    async (req) => {
      const scope = await scopeOf(req);
      const rows = await withScope(app.pg, scope, (c) =>
        c.query(
          `SELECT conversation_id AS "conversationId", title, version, message_count AS "messageCount",
                created_at AS "createdAt", last_event_at AS "lastEventAt"
         FROM chat.conversations WHERE tenant_id = $1 AND user_id = $2 ORDER BY last_event_at DESC LIMIT $3`,
          [scope.tenantId, scope.userId, req.query.limit ?? 50],
        ),
      );
      return { conversations: rows.rows };
    },
  );

  app.get<{ Params: IdParams }>(
    "/v1/conversations/:id/messages",
    { schema: { params: IdParams } },
    async (req) => {
      const scope = await scopeOf(req);
      const rows = await withScope(app.pg, scope, (c) =>
        c.query(
          `SELECT m.message_id AS "messageId", m.parent_id AS "parentId", m.role, m.content, m.status, m.model,
                m.edit_of AS "editOf", m.regenerate_of AS "regenerateOf", m.seq, m.updated_seq AS "updatedSeq",
                b.sibling_index AS "siblingIndex", m.created_at AS "createdAt"
         FROM chat.messages m JOIN chat.branches b USING (conversation_id, message_id)
         WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.user_id = $3 ORDER BY m.seq`,
          [req.params.id, scope.tenantId, scope.userId],
        ),
      );
      if (rows.rows.length === 0) await app.chat.service.head(scope, req.params.id);
      return { conversationId: req.params.id, messages: rows.rows };
    },
  );

  app.get<{ Params: IdParams }>(
    "/v1/conversations/:id/branches",
    { schema: { params: IdParams } },
    async (req) => {
      const scope = await scopeOf(req);
      const rows = await withScope(app.pg, scope, (c) =>
        c.query(
          `SELECT CASE WHEN parent_key = '00000000-0000-0000-0000-000000000000' THEN NULL ELSE parent_key END AS "parentId",
                array_agg(message_id ORDER BY sibling_index) AS children
         FROM chat.branches WHERE conversation_id = $1 AND tenant_id = $2 AND user_id = $3
         GROUP BY parent_key HAVING count(*) > 1`,
          [req.params.id, scope.tenantId, scope.userId],
        ),
      );
      await app.chat.service.head(scope, req.params.id);
      return { conversationId: req.params.id, forks: rows.rows };
    },
  );

  app.get<{ Querystring: SearchQuery }>(
    "/v1/search",
    { schema: { querystring: SearchQuery } },
    async (req) => {
      const scope = await scopeOf(req);
      const wait = searchLimiter.take(scopeKey(scope));
      if (wait > 0) throw new ChatError("CG_ERR_TOO_MANY_REQUESTS", { retryAfterMs: wait });
      const hits = await hybridSearch(app.pg, scope, req.query.q, {
        inference: app.chat.inference,
        embeddingModel: app.chat.config.embeddingModel,
        limit: req.query.limit ?? 10,
      });
      return { hits };
    },
  );

  app.get("/regions", () => {
    const t = app.chat.regions();
    return Promise.resolve(t ?? { self: null, regions: [] });
  });

  app.get("/healthz", () => Promise.resolve({ status: "ok" }));
  // Readiness reflects only what this pod cannot serve and another pod could: draining, or its
  // connection limit reached. PostgreSQL and Redis are shared by every pod: an outage would take
  // every pod out of the Service at once and turn degraded service (coded 503s, polled delivery)
  // into none. Their state is in the body and in the error counters, not in the status code.
  app.get("/readyz", async (_req, reply) => {
    if (app.chat.service.draining) return reply.code(503).send({ status: "draining" });
    const limits = app.chat.limits;
    const full = limits.total >= limits.max;
    const [postgres, redis] = await Promise.all([
      probe(app.pg.query("SELECT 1")),
      probe(app.redis.ping()),
    ]);
    const body = {
      status: full ? "full" : "ready",
      replica: app.chat.config.replicaId,
      connections: limits.total,
      dependencies: { postgres, redis },
    };
    return reply.code(full ? 503 : 200).send(body);
  });
  done();
}
