/**
 * GET /v1/models: the models (and aliases) the calling tenant may use.
 */
import type { FastifyInstance } from "fastify";
import { authenticated, finish, mayUse } from "./context.ts";

/** Registers the route. */
export function modelsRoutes(app: FastifyInstance): void {
  app.get("/v1/models", (req, reply) => {
    const { cfg, principal } = authenticated(req);
    const created = Math.floor(Date.now() / 1000);
    const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
    for (const [id, m] of cfg.modelIndex) {
      if (mayUse(principal.tenant, m.name))
        data.push({ id, object: "model", created, owned_by: "librechat-inference-gateway" });
    }
    finish(app, req, 200, "OK");
    return reply.type("application/json").send(JSON.stringify({ object: "list", data }));
  });
}
