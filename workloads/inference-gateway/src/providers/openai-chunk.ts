/**
 * What the gateway needs from one OpenAI-style stream event: its usage (if any), whether it is the
 * usage-only chunk, and how many characters of text it carries (for the token estimate when an
 * upstream reports no usage). Ordinary content chunks — nearly all of a stream — are read without
 * JSON.parse, which was the largest cost per streamed token: the text must look like one JSON
 * object (`{"…}`, so a truncated event is refused) and is scanned for its `"content"` strings.
 * Anything that may carry usage or an error is parsed in full.
 */
import { usageOf } from "./http.ts";
import type { Usage } from "./types.ts";

/** Facts of a well-formed event. */
export interface ChunkFacts {
  usage: Usage | undefined;
  usageOnly: boolean;
  textChars: number;
}

/** Why an event cannot be forwarded. */
export type ChunkProblem = "not-json" | "error-event";

const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/** Reads an event's `data`; a string result names what is wrong with it. */
export function chunkFacts(data: string): ChunkFacts | ChunkProblem {
  if (
    data.startsWith('{"') &&
    data.endsWith("}") &&
    !data.includes('"error"') &&
    !USAGE_OBJECT.test(data)
  )
    return { usage: undefined, usageOnly: false, textChars: contentChars(data) };
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return "not-json";
  }
  if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) return "not-json";
  const c = chunk as Record<string, unknown>;
  if (c["error"] !== undefined && c["error"] !== null) return "error-event";
  const usage = usageOf(c["usage"]);
  const choices = c["choices"];
  return {
    usage,
    usageOnly: usage !== undefined && Array.isArray(choices) && choices.length === 0,
    textChars: Array.isArray(choices) ? parsedChars(choices) : 0,
  };
}

function parsedChars(choices: unknown[]): number {
  let n = 0;
  for (const ch of choices as { delta?: { content?: unknown } }[]) {
    const content = ch.delta?.content;
    if (typeof content === "string") n += content.length;
  }
  return n;
}

/**
 * Characters in every `"content": "<string>"` of a JSON text (escape sequences count as one).
 * A key can only match outside strings: inside one, its quotes would be escaped.
 */
export function contentChars(json: string): number {
  let n = 0;
  let at = json.indexOf('"content"');
  while (at >= 0) {
    let i = skipSpaces(json, at + 9);
    if (json.charCodeAt(i) === 58 /* : */) {
      i = skipSpaces(json, i + 1);
      if (json.charCodeAt(i) === 34 /* " */) {
        const s = stringChars(json, i + 1);
        n += s.chars;
        i = s.end;
      }
    }
    at = json.indexOf('"content"', i);
  }
  return n;
}

function skipSpaces(json: string, from: number): number {
  let i = from;
  while (json.charCodeAt(i) === 32) i++;
  return i;
}

/** Characters of the JSON string body starting at `from`, and the index of its closing quote. */
function stringChars(json: string, from: number): { chars: number; end: number } {
  let chars = 0;
  let i = from;
  for (; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 34) break;
    if (c === 92 /* \ */) i += json.charCodeAt(i + 1) === 117 /* u */ ? 5 : 1;
    chars++;
  }
  return { chars, end: i };
}
