/**
 * PostgreSQL as a Fastify plugin: runs the migrations with the admin URL (when one is given) and
 * forgets it, then opens the app pool as `chat_gateway_app` so row-level security applies. The
 * pool is bounded: connections, checkout/connect timeout, statement timeout (server side) and
 * query timeout (client side, for a server that stopped answering), idle-in-transaction timeout.
 * An outage makes queries fail fast with errors that map to CG_ERR_UNAVAILABLE; the pool
 * reconnects by itself when PostgreSQL is back.
 */
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
  /** Admin URL for the migrations; used once and not kept. */
  adminUrl: string | undefined;
  appUrl: string | undefined;
  appPassword: string | undefined;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Pool options of the app role (pure). */
export function poolOptions(
  connectionString: string,
  o: Pick<PgPluginOptions, "max" | "connectTimeoutMs" | "statementTimeoutMs">,
): pg.PoolConfig {
  return {
    connectionString,
    max: o.max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    // The client gives up a little after the server would have: covers a stalled server.
    query_timeout: o.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: o.statementTimeoutMs * 2,
    keepAlive: true,
  };
}

export default fp(
  async function pgPlugin(app: FastifyInstance, opts: PgPluginOptions): Promise<void> {
    let appUrl = opts.appUrl;
    if (opts.adminUrl !== undefined) {
      const applied = await migrate(opts.adminUrl, opts.appPassword);
      if (applied.length > 0) app.log.info({ applied }, "Applied migrations");
      if (appUrl === undefined) {
        if (opts.appPassword === undefined)
          throw new Error("deriving the app role's URL needs CHAT_APP_DB_PASSWORD");
        appUrl = appUrlFrom(opts.adminUrl, opts.appPassword);
      }
    }
    if (appUrl === undefined) throw new Error("no PostgreSQL URL for the app role");
    const pool = new pg.Pool(poolOptions(appUrl, opts));
    pool.on("error", (err) => {
      app.log.warn({ err }, "Failed on an idle PostgreSQL client");
    });
    await pool.query("SELECT 1");
    app.decorate("pg", pool);
    app.addHook("onClose", async () => {
      await pool.end();
    });
  },
  { name: "chat-pg" },
);
