import fp from "fastify-plugin";
import pg from "pg";
import type { FastifyInstance } from "fastify";
import { appUrlFrom, migrate } from "../store/migrate.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Pool connected as the non-superuser app role (RLS applies). */
    pg: pg.Pool;
  }
}

export interface PgPluginOptions {
  adminUrl: string;
  appUrl: string | undefined;
  appPassword: string;
  max?: number;
}

/**
 * Runs the migrations with the admin URL (advisory lock, idempotent), then opens the app pool
 * as `chat_gateway_app` so row-level security applies. Closes the pool in onClose.
 */
export default fp(
  async function pgPlugin(app: FastifyInstance, opts: PgPluginOptions): Promise<void> {
    const applied = await migrate(opts.adminUrl, opts.appPassword);
    if (applied.length > 0) app.log.info({ applied }, "Applied migrations");
    const pool = new pg.Pool({
      connectionString: opts.appUrl ?? appUrlFrom(opts.adminUrl, opts.appPassword),
      max: opts.max ?? 20,
      idleTimeoutMillis: 30_000,
    });
    pool.on("error", (err) => {
      app.log.error({ err }, "Failed on an idle PostgreSQL client");
    });
    await pool.query("SELECT 1");
    app.decorate("pg", pool);
    app.addHook("onClose", async () => {
      await pool.end();
    });
  },
  { name: "chat-pg" },
);
