// Label-value rules shared by controllers and webhooks: one sanitiser, so a value that one side
// writes is the value the other side expects (and always valid for the API server).

/** Longest label value the API server accepts. */
export const LABEL_VALUE_MAX_LENGTH = 63;

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True for a valid label value: empty, or ≤ 63 characters of [A-Za-z0-9_.-] with alphanumeric ends. */
export function isLabelValue(s: string): boolean {
  return s.length <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE_RE.test(s);
}

/**
 * Maps an arbitrary string onto a valid label value: characters outside `[A-Za-z0-9_.-]` become
 * `-` (`meta-llama/Llama-3.1-8B` → `meta-llama-Llama-3.1-8B`), the result is cut to 63 characters
 * and then trimmed to start and end alphanumeric (cutting first can expose a trailing `-`). May
 * return "" when nothing alphanumeric is left.
 */
export function labelValue(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, LABEL_VALUE_MAX_LENGTH);
  return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}
