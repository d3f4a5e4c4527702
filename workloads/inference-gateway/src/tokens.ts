/**
 * Token estimation used before the upstream answers (for reservations) and when an upstream
 * reports no usage. Deliberately simple (≈4 characters per token); settlement uses the
 * upstream's reported usage whenever it has one.
 */

/** Estimated tokens of a text. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    let s = "";
    for (const part of content as unknown[]) {
      if (
        typeof part === "object" &&
        part !== null &&
        typeof (part as { text?: unknown }).text === "string"
      )
        s += (part as { text: string }).text;
    }
    return s;
  }
  return "";
}

/** Estimated prompt tokens of chat messages: 4 per message overhead + content, + 2. */
export function estimateMessagesTokens(messages: readonly unknown[]): number {
  let n = 2;
  for (const m of messages) {
    n += 4;
    if (typeof m === "object" && m !== null)
      n += estimateTextTokens(contentText((m as { content?: unknown }).content));
  }
  return n;
}

/** Estimated tokens of an embeddings input (string, string[], or token arrays). */
export function estimateEmbeddingTokens(input: unknown): number {
  if (typeof input === "string") return estimateTextTokens(input);
  if (Array.isArray(input)) {
    let n = 0;
    for (const x of input as unknown[]) n += typeof x === "number" ? 1 : estimateEmbeddingTokens(x);
    return n;
  }
  return 0;
}
