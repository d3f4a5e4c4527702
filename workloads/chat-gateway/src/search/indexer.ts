/**
 * The search projection's background indexer (embeddings of completed messages).
 */
import type pg from "pg";
import { withScope } from "../store/db.ts";
import { embed, type InferenceOptions } from "../inference/client.ts";
import { toVectorLiteral } from "./search.ts";

interface Pending {
  conversation_id: string;
  message_id: string;
  tenant_id: string;
  user_id: string;
}

const BATCH = 32;
const MAX_INPUT_CHARS = 8_000;

/**
 * Asynchronous search projection: embeds completed messages that have no embedding yet, off
 * the hot path, and writes them under the owner's RLS scope. Progress is the table itself, so
 * it resumes after a restart; replicas may race on a batch, ON CONFLICT keeps one row.
 */
export class Indexer {
  readonly #pool: pg.Pool;
  readonly #inference: InferenceOptions | undefined;
  readonly #model: string;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (err: unknown) => void;
  readonly #onBacklog: (n: number) => void;
  #running = false;

  constructor(deps: {
    pool: pg.Pool;
    inference: InferenceOptions | undefined;
    model: string;
    intervalMs: number;
    onError: (err: unknown) => void;
    onBacklog: (n: number) => void;
  }) {
    this.#pool = deps.pool;
    this.#inference = deps.inference;
    this.#model = deps.model;
    this.#onError = deps.onError;
    this.#onBacklog = deps.onBacklog;
    this.#timer = setInterval(() => {
      this.runOnce().catch(this.#onError);
    }, deps.intervalMs);
    this.#timer.unref();
  }

  /** Indexes up to a few batches; returns how many messages were embedded. */
  async runOnce(): Promise<number> {
    if (this.#running) return 0;
    this.#running = true;
    try {
      const backlog = await this.#pool.query<{ n: string }>("SELECT chat.indexer_backlog() AS n");
      this.#onBacklog(Number(backlog.rows[0]?.n ?? 0));
      if (this.#inference === undefined) return 0;
      let total = 0;
      for (let i = 0; i < 4; i++) {
        // Keys only (migration 004): the text of each message is read under its owner's scope.
        const res = await this.#pool.query<Pending>(
          "SELECT conversation_id, message_id, tenant_id, user_id FROM chat.pending_embeddings($1)",
          [BATCH],
        );
        if (res.rows.length === 0) break;
        const texts = await Promise.all(res.rows.map((r) => this.#content(r)));
        const vectors = await embed(this.#inference, this.#model, texts);
        for (const [j, r] of res.rows.entries()) {
          const v = vectors[j];
          if (v === undefined) continue;
          await withScope(this.#pool, { tenantId: r.tenant_id, userId: r.user_id }, (c) =>
            c.query(
              `INSERT INTO chat.message_embeddings (conversation_id, message_id, tenant_id, user_id, model, embedding)
               VALUES ($1, $2, $3, $4, $5, $6::vector) ON CONFLICT DO NOTHING`,
              [
                r.conversation_id,
                r.message_id,
                r.tenant_id,
                r.user_id,
                this.#model,
                toVectorLiteral(v),
              ],
            ),
          );
          total++;
        }
        if (res.rows.length < BATCH) break;
      }
      return total;
    } finally {
      this.#running = false;
    }
  }

  async #content(r: Pending): Promise<string> {
    const res = await withScope(this.#pool, { tenantId: r.tenant_id, userId: r.user_id }, (c) =>
      c.query<{ content: string }>(
        "SELECT content FROM chat.messages WHERE conversation_id = $1 AND message_id = $2 AND tenant_id = $3 AND user_id = $4",
        [r.conversation_id, r.message_id, r.tenant_id, r.user_id],
      ),
    );
    return (res.rows[0]?.content ?? "").slice(0, MAX_INPUT_CHARS);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
