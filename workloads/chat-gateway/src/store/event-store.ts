/**
 * The event store: appends with optimistic concurrency (chat.append_event[s]) and reads of a
 * stream, on a client whose RLS scope is set.
 */
import type pg from "pg";
import type { ConversationEvent, RecordedEvent } from "../domain/events.ts";
import type { Scope } from "./db.ts";

/** Thrown when the stream's version is not the expected one (optimistic concurrency). */
export class ConcurrencyError extends Error {
  readonly streamId: string;
  readonly expectedVersion: number;
  constructor(streamId: string, expectedVersion: number) {
    super(`stream ${streamId} is not at version ${expectedVersion}`);
    this.name = "ConcurrencyError";
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
  }
}

interface EventRow {
  stream_id: string;
  version: number;
  tenant_id: string;
  user_id: string;
  type: string;
  data: Record<string, unknown>;
  actor: string;
  created_at: Date;
}

/** Maps a chat.events row to a RecordedEvent. */
export function toRecorded(r: EventRow): RecordedEvent {
  return {
    streamId: r.stream_id,
    version: r.version,
    tenantId: r.tenant_id,
    userId: r.user_id,
    actor: r.actor,
    createdAt: r.created_at.toISOString(),
    event: { type: r.type, data: r.data } as ConversationEvent,
  };
}

// chat.append_event / chat.append_events (migrations 002, 003): set the RLS context, create the
// stream at expected 0 or check version `expected` exists, and insert the events numbered
// expected+1.., in one round trip. 23505 on unique (stream_id, version) = a concurrent writer won;
// CG409 = wrong version. Named statements: PostgreSQL parses and plans each once per connection.
const APPEND_ONE: Omit<pg.QueryConfig, "values"> = {
  name: "cg_append_event",
  text: "SELECT version, created_at FROM chat.append_event($1, $2, $3, $4, $5, $6::jsonb, $7)",
};
const APPEND_MANY: Omit<pg.QueryConfig, "values"> = {
  name: "cg_append_events",
  text: "SELECT version, created_at FROM chat.append_events($1, $2, $3, $4, $5::text[], $6::jsonb[], $7)",
};

/**
 * Appends events to a stream if it is at `expectedVersion` (0 creates it), in one round trip,
 * inside the caller's transaction or on its own (autocommit). Throws ConcurrencyError otherwise.
 */
export async function appendEvents(
  client: pg.ClientBase,
  scope: Scope,
  append: {
    streamId: string;
    expectedVersion: number;
    events: readonly ConversationEvent[];
    actor: string;
  },
): Promise<RecordedEvent[]> {
  const { streamId, expectedVersion, events, actor } = append;
  if (events.length === 0) return [];
  const [first] = events;
  const one = events.length === 1 && first !== undefined;
  const values = [
    scope.tenantId,
    scope.userId,
    streamId,
    expectedVersion,
    one ? first.type : events.map((e) => e.type),
    one ? JSON.stringify(first.data) : events.map((e) => JSON.stringify(e.data)),
    actor,
  ];
  let res: pg.QueryResult<{ version: number; created_at: Date }>;
  try {
    res = await client.query<{ version: number; created_at: Date }>({
      ...(one ? APPEND_ONE : APPEND_MANY),
      values,
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "CG409" || code === "23505") throw new ConcurrencyError(streamId, expectedVersion);
    throw err;
  }
  if (res.rows.length !== events.length) throw new ConcurrencyError(streamId, expectedVersion);
  return res.rows
    .sort((a, b) => a.version - b.version)
    .map((r, i) => ({
      streamId,
      version: r.version,
      tenantId: scope.tenantId,
      userId: scope.userId,
      actor,
      createdAt: r.created_at.toISOString(),
      event: canonicalEvent(events[i] as ConversationEvent),
    }));
}

function canonicalEvent(e: ConversationEvent): ConversationEvent {
  return { type: e.type, data: jsonbKeyOrder(e.data) } as ConversationEvent;
}

/**
 * Returns `data` with its keys in jsonb's storage order (shorter keys first, then bytewise), so
 * an event published from memory serialises exactly like the same event read back from
 * PostgreSQL (replay, gap fill). Event data is flat; nested values are kept as they are.
 */
export function jsonbKeyOrder<T extends object>(data: T): T {
  const keys = Object.keys(data).sort(
    (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0),
  );
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (data as Record<string, unknown>)[k];
  return out as T;
}

/** Reads events of one stream with version > after, in order (RLS applies). */
export async function readStream(
  client: pg.ClientBase | pg.Pool,
  streamId: string,
  after: number,
  limit: number,
): Promise<RecordedEvent[]> {
  const res = await client.query<EventRow>(
    `SELECT stream_id, version, tenant_id, user_id, type, data, actor, created_at
     FROM chat.events WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
    [streamId, after, limit],
  );
  return res.rows.map(toRecorded);
}

/** Current version of a stream visible to the scope, or null. */
export async function streamVersion(
  client: pg.ClientBase,
  streamId: string,
): Promise<number | null> {
  const res = await client.query<{ version: number }>(
    `SELECT coalesce((SELECT max(e.version) FROM chat.events e WHERE e.stream_id = s.stream_id), 0) AS version
     FROM chat.streams s WHERE s.stream_id = $1`,
    [streamId],
  );
  return res.rows[0]?.version ?? null;
}
