/**
 * Reciprocal rank fusion (pure): merges ranked id lists from several retrievers.
 */
/** A ranked list of ids from one retriever, best first. */
export type Ranking = readonly string[];

/**
 * Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ 1 / (k + rank_i(d)), rank from 1.
 * Ties break on the id so the result is deterministic. Pure.
 */
export function reciprocalRankFusion(
  rankings: readonly Ranking[],
  k = 60,
  limit = 20,
): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1));
    });
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}
