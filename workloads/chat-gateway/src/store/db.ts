/**
 * Scoped transactions: every query runs with the tenant and user as the RLS context.
 */
import type pg from "pg";

/** Tenant and user every query runs for. */
export interface Scope {
  tenantId: string;
  userId: string;
}

/**
 * Runs `fn` in one transaction whose RLS context is `scope` (SET LOCAL app.tenant_id and
 * app.user_id via set_config(..., true)). BEGIN and the settings go in one round trip.
 */
export async function withScope<T>(
  pool: pg.Pool,
  scope: Scope,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(
      `BEGIN; SELECT set_config('app.tenant_id', ${client.escapeLiteral(scope.tenantId)}, true), set_config('app.user_id', ${client.escapeLiteral(scope.userId)}, true)`,
    );
    const result = await fn(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    try {
      await client.query("ROLLBACK");
      client.release();
    } catch {
      client.release(true);
    }
    throw err;
  }
}
