/** Minimal OpenAI wire types the gateway reads or produces. */

/** Token usage in OpenAI's shape. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** An OpenAI chat completion (non-streaming). */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[]; refusal?: null };
    finish_reason: string | null;
    logprobs: null;
  }[];
  usage?: Usage;
}

/** A tool call in a message or a delta. */
export interface ToolCall {
  index?: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

/** An OpenAI chat.completion.chunk. */
export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: "assistant"; content?: string; tool_calls?: ToolCall[] };
    finish_reason: string | null;
    logprobs?: null;
  }[];
  usage?: Usage | null;
}
