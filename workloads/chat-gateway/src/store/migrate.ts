/**
 * Schema migrations: applies migrations/*.sql once each, in order, under an advisory lock, with
 * the admin URL, and (re)sets the app role's password. Used at start (then the admin URL is
 * dropped) or as the one-shot `server.ts migrate` command.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
/** Advisory lock key shared by every replica (hashtext('chat-gateway-migrations')). */
const LOCK_SQL = "SELECT pg_advisory_lock(hashtext('chat-gateway-migrations'))";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('chat-gateway-migrations'))";

/** The app's non-superuser role, created by the first migration. */
export const APP_ROLE = "chat_gateway_app";

/**
 * Applies every pending migrations/*.sql in name order, each in its own transaction, under a
 * session advisory lock so concurrent replicas apply each file exactly once. Idempotent.
 * Also sets the app role's password when one is given (a deployment that manages the role itself
 * passes none). Returns the names applied by this call.
 */
export async function migrate(
  adminUrl: string,
  appPassword: string | undefined,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(LOCK_SQL);
    await client.query(
      "CREATE TABLE IF NOT EXISTS public.chat_gateway_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (
        await client.query<{ name: string }>("SELECT name FROM public.chat_gateway_migrations")
      ).rows.map((r) => r.name),
    );
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).sort();
    for (const f of files) {
      if (done.has(f)) continue;
      const sql = await readFile(MIGRATIONS_DIR + f, "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("INSERT INTO public.chat_gateway_migrations (name) VALUES ($1)", [f]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`applying migration ${f}`, { cause: err });
      }
      applied.push(f);
    }
    if (appPassword !== undefined) {
      await client.query(
        `ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD ${client.escapeLiteral(appPassword)}`,
      );
    }
  } finally {
    await client.query(UNLOCK_SQL).catch(() => undefined);
    await client.end();
  }
  return applied;
}

/** Derives the app role's connection string from the admin one (same host, port, database). */
export function appUrlFrom(adminUrl: string, password: string): string {
  const u = new URL(adminUrl);
  u.username = APP_ROLE;
  u.password = encodeURIComponent(password);
  return u.toString();
}
