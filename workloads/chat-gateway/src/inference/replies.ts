/**
 * Assistant replies: streams deltas to subscribers, stores the finished reply, and turns replies
 * whose replica died (expired lease) into `reply.incomplete`.
 */
import type pg from "pg";
import type { ConversationState } from "../domain/conversation.ts";
import type { RecordedEvent } from "../domain/events.ts";
import { withScope, type Scope } from "../store/db.ts";
import type { ConversationRepository } from "../store/repository.ts";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";
import { streamChat, type ChatMessage, type InferenceOptions } from "./client.ts";
import type { Tracing } from "../../../../lib/tracing/types.ts";

const MAX_HISTORY = 50;

/** The branch from the root to `leafId`, oldest first, as chat messages (pure). */
export function branchHistory(
  state: ConversationState,
  leafId: string,
  max = MAX_HISTORY,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  let id: string | null = leafId;
  while (id !== null && out.length < max) {
    const m = state.messages.get(id);
    if (m === undefined) break;
    if (m.content !== "") out.push({ role: m.role, content: m.content });
    id = m.parentId;
  }
  return out.reverse();
}

interface ActiveReply {
  scope: Scope;
  streamId: string;
  messageId: string;
  abort: AbortController;
  text: string;
  done: Promise<void>;
}

export interface ReplyDeps {
  pool: pg.Pool;
  repo: ConversationRepository;
  inference: InferenceOptions | undefined;
  replicaId: string;
  leaseMs: number;
  publishEvents: (r: readonly RecordedEvent[]) => Promise<void>;
  publishEphemeral: (streamId: string, frame: string) => Promise<void>;
  onError: (err: unknown, msg: string) => void;
  /** While tracing is on: one client span per reply (the chat turn's call to inference). */
  tracing?: Tracing | undefined;
}

/**
 * Generates assistant replies: streams deltas from the inference gateway to every subscriber
 * (ephemeral, `delta` frames), then stores the finished reply as `reply.completed`. While it
 * streams, this replica renews the reply's lease in chat.reply_leases; a lease that expires
 * (replica crash) is turned into `reply.incomplete` by any replica's sweeper.
 */
export class ReplyRunner {
  readonly #d: ReplyDeps;
  readonly #active = new Map<string, ActiveReply>();
  readonly #timer: NodeJS.Timeout;

  constructor(deps: ReplyDeps) {
    this.#d = deps;
    this.#timer = setInterval(
      () => {
        this.#tick().catch((err: unknown) => {
          deps.onError(err, "Failed to renew or sweep reply leases");
        });
      },
      Math.max(50, Math.floor(deps.leaseMs / 3)),
    );
    this.#timer.unref();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Starts generating the reply announced by a `reply.started` event (fire and forget). */
  start(scope: Scope, streamId: string, started: RecordedEvent, state: ConversationState): void {
    if (started.event.type !== "reply.started") return;
    const { messageId, parentId, model } = started.event.data;
    const history = branchHistory(state, parentId);
    const abort = new AbortController();
    const reply: ActiveReply = {
      scope,
      streamId,
      messageId,
      abort,
      text: "",
      done: Promise.resolve(),
    };
    this.#active.set(messageId, reply);
    reply.done = this.#run(reply, started.version, model, history).finally(() => {
      this.#active.delete(messageId);
    });
  }

  async #run(
    r: ActiveReply,
    replySeq: number,
    model: string,
    history: ChatMessage[],
  ): Promise<void> {
    let finish = "stop";
    let failure: string | null = null;
    // Ids and the model only: never the messages or the inference key.
    const span = this.#d.tracing?.client("chat.reply", undefined, {
      "gen_ai.request.model": model,
      "chat.tenant": r.scope.tenantId,
      "chat.conversation": r.streamId,
      "chat.message": r.messageId,
    });
    try {
      if (this.#d.inference === undefined) throw new Error("INFERENCE_URL is not configured");
      const gen = streamChat(this.#d.inference, model, history, r.abort.signal, span);
      let index = 0;
      for (;;) {
        const next = await gen.next();
        if (next.done === true) {
          finish = next.value;
          break;
        }
        r.text += next.value;
        const frame = JSON.stringify({
          v: PROTOCOL_VERSION,
          type: "delta",
          conversationId: r.streamId,
          messageId: r.messageId,
          replySeq,
          index: index++,
          text: next.value,
        });
        await this.#d.publishEphemeral(r.streamId, frame);
      }
    } catch (err) {
      failure = r.abort.signal.aborted
        ? String(r.abort.signal.reason ?? "aborted")
        : "inference_failed";
      if (!r.abort.signal.aborted) this.#d.onError(err, "Failed to stream a reply");
    }
    if (span !== undefined) {
      span.setAttributes({ "chat.finish_reason": failure === null ? finish : "" });
      span.end(undefined, failure ?? undefined);
    }
    await this.#finish(r, failure, finish);
  }

  async #finish(r: ActiveReply, failure: string | null, finish: string): Promise<void> {
    try {
      const res = await this.#d.repo.execute(
        r.scope,
        r.streamId,
        { isNew: false, expectedVersion: undefined, actor: "assistant" },
        failure === null
          ? { kind: "completeReply", messageId: r.messageId, content: r.text, finishReason: finish }
          : { kind: "markIncomplete", messageId: r.messageId, reason: failure, content: r.text },
      );
      await this.#d.publishEvents(res.recorded);
    } catch (err) {
      this.#d.onError(err, "Failed to store a finished reply");
    }
  }

  async #tick(): Promise<void> {
    // Renew our leases, one scoped transaction per reply (RLS applies to the lease table too).
    for (const r of this.#active.values()) {
      await withScope(this.#d.pool, r.scope, (c) =>
        c.query(
          `UPDATE chat.reply_leases SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
           WHERE conversation_id = $1 AND message_id = $2`,
          [r.streamId, r.messageId, this.#d.leaseMs],
        ),
      );
    }
    await this.sweep();
  }

  /** Marks replies whose lease expired (their replica died) as incomplete. Returns how many. */
  async sweep(): Promise<number> {
    const res = await this.#d.pool.query<{
      conversation_id: string;
      message_id: string;
      tenant_id: string;
      user_id: string;
    }>(
      "SELECT conversation_id, message_id, tenant_id, user_id FROM chat.expired_reply_leases(100)",
    );
    let n = 0;
    for (const row of res.rows) {
      if (this.#active.has(row.message_id)) continue;
      const scope = { tenantId: row.tenant_id, userId: row.user_id };
      try {
        const out = await this.#d.repo.execute(
          scope,
          row.conversation_id,
          { isNew: false, expectedVersion: undefined, actor: "system" },
          {
            kind: "markIncomplete",
            messageId: row.message_id,
            reason: "replica_lost",
            content: "",
          },
        );
        await this.#d.publishEvents(out.recorded);
        if (out.duplicate) {
          // Event says it is finished already: the lease is a leftover; remove it.
          await withScope(this.#d.pool, scope, (c) =>
            c.query(
              "DELETE FROM chat.reply_leases WHERE conversation_id = $1 AND message_id = $2",
              [row.conversation_id, row.message_id],
            ),
          );
        }
        n++;
      } catch (err) {
        this.#d.onError(err, "Failed to mark a reply incomplete");
      }
    }
    return n;
  }

  /** Aborts every reply (drain): each is stored as `reply.incomplete` with reason "shutdown". */
  async abortAll(reason: string): Promise<void> {
    const all = [...this.#active.values()];
    for (const r of all) r.abort.abort(reason);
    await Promise.allSettled(all.map((r) => r.done));
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
