/**
 * Hybrid search over a user's own messages: PostgreSQL full text and pgvector distance, fused
 * with reciprocal rank fusion, under the caller's RLS scope.
 */
import type pg from "pg";
import { withScope, type Scope } from "../store/db.ts";
import { embed, type InferenceOptions } from "../inference/client.ts";
import { reciprocalRankFusion } from "./rrf.ts";

export interface SearchHit {
  conversationId: string;
  messageId: string;
  role: string;
  content: string;
  score: number;
  sources: ("text" | "vector")[];
}

interface Row {
  conversation_id: string;
  message_id: string;
  role: string;
  content: string;
}

const CANDIDATES = 50;

/** pgvector literal for a float array. */
export function toVectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(",")}]`;
}

/**
 * Hybrid search over the caller's own messages: full text (tsvector, websearch syntax) and
 * vector similarity (pgvector cosine distance over /v1/embeddings vectors), fused with RRF.
 * Every query filters on tenant and user explicitly and runs under RLS for the same scope.
 */
export async function hybridSearch(
  pool: pg.Pool,
  scope: Scope,
  query: string,
  opts: { inference: InferenceOptions | undefined; embeddingModel: string; limit: number },
): Promise<SearchHit[]> {
  let vector: number[] | null = null;
  if (opts.inference !== undefined) {
    try {
      vector = (await embed(opts.inference, opts.embeddingModel, [query]))[0] ?? null;
    } catch {
      vector = null; // degrade to text-only search
    }
  }
  const { text, vec } = await withScope(pool, scope, async (c) => {
    const t = await c.query<Row>(
      `SELECT m.conversation_id, m.message_id, m.role, m.content
       FROM chat.messages m, websearch_to_tsquery('simple', $3) q
       WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.tsv @@ q
       ORDER BY ts_rank_cd(m.tsv, q) DESC, m.created_at DESC LIMIT $4`,
      [scope.tenantId, scope.userId, query, CANDIDATES],
    );
    if (vector === null) return { text: t.rows, vec: [] as Row[] };
    const v = await c.query<Row>(
      `SELECT m.conversation_id, m.message_id, m.role, m.content
       FROM chat.message_embeddings e
       JOIN chat.messages m ON m.conversation_id = e.conversation_id AND m.message_id = e.message_id
       WHERE e.tenant_id = $1 AND e.user_id = $2 AND m.tenant_id = $1 AND m.user_id = $2
         AND vector_dims(e.embedding) = $4
       ORDER BY e.embedding <=> $3::vector LIMIT $5`,
      [scope.tenantId, scope.userId, toVectorLiteral(vector), vector.length, CANDIDATES],
    );
    return { text: t.rows, vec: v.rows };
  });
  const key = (r: Row): string => `${r.conversation_id}/${r.message_id}`;
  const rows = new Map<string, Row>();
  for (const r of [...text, ...vec]) rows.set(key(r), r);
  const textIds = new Set(text.map(key));
  const vecIds = new Set(vec.map(key));
  return reciprocalRankFusion([text.map(key), vec.map(key)], 60, opts.limit).map(
    ({ id, score }) => {
      const r = rows.get(id) as Row;
      const sources: ("text" | "vector")[] = [];
      if (textIds.has(id)) sources.push("text");
      if (vecIds.has(id)) sources.push("vector");
      return {
        conversationId: r.conversation_id,
        messageId: r.message_id,
        role: r.role,
        content: r.content,
        score,
        sources,
      };
    },
  );
}
