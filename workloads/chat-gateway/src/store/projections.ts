/**
 * Read-model projections (conversations, messages, branches), written in the append's
 * transaction and rebuildable from the event log.
 */
import type pg from "pg";
import type { RecordedEvent } from "../domain/events.ts";
import { toRecorded } from "./event-store.ts";

const NIL = "00000000-0000-0000-0000-000000000000";

export interface ProjectOptions {
  /** Maintain chat.reply_leases (live path only; a rebuild leaves leases alone). */
  leases: boolean;
  leaseMs: number;
}

const TOUCH_CONVERSATION = `UPDATE chat.conversations SET version = $2, last_event_at = $3,
  message_count = message_count + $4 WHERE conversation_id = $1`;

async function insertMessage(
  c: pg.ClientBase,
  r: RecordedEvent,
  m: Record<string, unknown>,
): Promise<void> {
  const parentId = (m["parentId"] as string | null) ?? null;
  await c.query(
    `WITH m AS (
       INSERT INTO chat.messages (conversation_id, message_id, tenant_id, user_id, parent_id, role, content,
         status, model, edit_of, regenerate_of, seq, updated_seq, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
     )
     INSERT INTO chat.branches (conversation_id, parent_key, message_id, tenant_id, user_id, sibling_index)
     SELECT $1, coalesce($5, '${NIL}'::uuid), $2, $3, $4,
       (SELECT count(*) FROM chat.branches b WHERE b.conversation_id = $1 AND b.parent_key = coalesce($5, '${NIL}'::uuid))`,
    [
      r.streamId,
      m["messageId"],
      r.tenantId,
      r.userId,
      parentId,
      m["role"],
      (m["content"] as string | undefined) ?? "",
      m["role"] === "assistant" ? "streaming" : "complete",
      (m["model"] as string | undefined) ?? null,
      (m["editOf"] as string | undefined) ?? null,
      (m["regenerateOf"] as string | null | undefined) ?? null,
      r.version,
      r.createdAt,
    ],
  );
}

/**
 * Applies one recorded event to the read models (conversations, messages, branches) and, on
 * the live path, the reply leases. Used both inline (same transaction as the append) and by
 * {@link rebuildReadModels}; it only depends on the event, so a rebuild gives the same rows.
 */
export async function project(
  c: pg.ClientBase,
  r: RecordedEvent,
  opts: ProjectOptions,
): Promise<void> {
  const e = r.event;
  switch (e.type) {
    case "conversation.started":
      await c.query(
        `INSERT INTO chat.conversations (conversation_id, tenant_id, user_id, title, version, message_count, created_at, last_event_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6)`,
        [r.streamId, r.tenantId, r.userId, e.data.title, r.version, r.createdAt],
      );
      return;
    case "message.added":
    case "message.edited":
      await insertMessage(c, r, e.data);
      await c.query(TOUCH_CONVERSATION, [r.streamId, r.version, r.createdAt, 1]);
      return;
    case "reply.started":
      await insertMessage(c, r, e.data);
      await c.query(TOUCH_CONVERSATION, [r.streamId, r.version, r.createdAt, 1]);
      if (opts.leases) {
        await c.query(
          `INSERT INTO chat.reply_leases (conversation_id, message_id, tenant_id, user_id, replica, lease_until)
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))`,
          [r.streamId, e.data.messageId, r.tenantId, r.userId, e.data.replica, opts.leaseMs],
        );
      }
      return;
    case "reply.completed":
    case "reply.incomplete":
      await c.query(
        `UPDATE chat.messages SET content = $3, status = $4, updated_seq = $5
         WHERE conversation_id = $1 AND message_id = $2`,
        [
          r.streamId,
          e.data.messageId,
          e.data.content,
          e.type === "reply.completed" ? "complete" : "incomplete",
          r.version,
        ],
      );
      await c.query(TOUCH_CONVERSATION, [r.streamId, r.version, r.createdAt, 0]);
      if (opts.leases) {
        await c.query(
          "DELETE FROM chat.reply_leases WHERE conversation_id = $1 AND message_id = $2",
          [r.streamId, e.data.messageId],
        );
      }
      return;
  }
}

/**
 * Rebuilds conversations, messages and branches from chat.events (admin connection: RLS is
 * bypassed by the owner). Runs in one transaction; readers see old or new, never half.
 * Returns the number of events replayed.
 */
export async function rebuildReadModels(admin: pg.ClientBase, batch = 1000): Promise<number> {
  await admin.query("BEGIN");
  try {
    await admin.query(
      "DELETE FROM chat.branches; DELETE FROM chat.messages; DELETE FROM chat.conversations",
    );
    let pos = 0;
    let count = 0;
    for (;;) {
      const res = await admin.query<Parameters<typeof toRecorded>[0] & { global_position: string }>(
        `SELECT global_position, stream_id, version, tenant_id, user_id, type, data, actor, created_at
         FROM chat.events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
        [pos, batch],
      );
      for (const row of res.rows) {
        await project(admin, toRecorded(row), { leases: false, leaseMs: 0 });
        pos = Number(row.global_position);
        count++;
      }
      if (res.rows.length < batch) break;
    }
    await admin.query("COMMIT");
    return count;
  } catch (err) {
    await admin.query("ROLLBACK");
    throw err;
  }
}
