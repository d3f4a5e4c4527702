// The inference gateway's deterministic TEST UPSTREAM (not a model), adapted for these tests:
// replies are replyTokens(last user message, 16) streamed at `tokensPerSecond`; embeddings are
// deterministic unit vectors.
import {
  replyTokens,
  startTestUpstream as start,
} from "../../../../workloads/inference-gateway/test-upstream/upstream.ts";

export interface TestUpstream {
  url: string;
  close(): Promise<void>;
}

/** Number of tokens the test upstream streams per reply (its default max tokens). */
export const REPLY_TOKENS = 16;

/** The reply the test upstream gives to a prompt. */
export function expectedReply(prompt: string, n = REPLY_TOKENS): string {
  return replyTokens(prompt, n).join("");
}

/** Starts the test upstream on 127.0.0.1; `tokensPerSecond` 0 streams as fast as possible. */
export async function startTestUpstream(
  opts: { tokensPerSecond?: number; maxTokens?: number } = {},
): Promise<TestUpstream> {
  const up = await start({
    tokensPerSecond: opts.tokensPerSecond ?? 0,
    defaultMaxTokens: opts.maxTokens ?? REPLY_TOKENS,
    embeddingDim: 16,
  });
  return { url: up.url, close: () => up.close() };
}
