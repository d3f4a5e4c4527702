/**
 * GET /v1/models: the models (and aliases) and the assistants the calling tenant may use. An
 * assistant is called by its name like a model, so clients that discover models with this list
 * (LibreChat's custom endpoints with `models.fetch`) offer it too.
 */
import type { FastifyInstance } from "fastify";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { TenantConfig } from "../config/schema.ts";
import { authenticated, finish, mayUse } from "./context.ts";

/** The ids the tenant may call: model names and aliases (config order), then assistant names. */
export function listedIds(
  cfg: Pick<RuntimeConfig, "modelIndex" | "assistants">,
  tenant: TenantConfig,
): string[] {
  const ids: string[] = [];
  for (const [id, m] of cfg.modelIndex) if (mayUse(tenant, m.name)) ids.push(id);
  for (const name of cfg.assistants.keys()) if (mayUse(tenant, name)) ids.push(name);
  return ids;
}

/** Registers the route. */
export function modelsRoutes(app: FastifyInstance): void {
  app.get("/v1/models", (req, reply) => {
    const { cfg, principal } = authenticated(req);
    const created = Math.floor(Date.now() / 1000);
    const data = listedIds(cfg, principal.tenant).map((id) => ({
      id,
      object: "model" as const,
      created,
      owned_by: "librechat-inference-gateway",
    }));
    finish(app, req, 200, "OK");
    return reply.type("application/json").send(JSON.stringify({ object: "list", data }));
  });
}
