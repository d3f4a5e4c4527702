/**
 * Reading a W3C `traceparent` header (pure): the test upstream records the trace id it was
 * called with, and tests compare trace ids across hops. Format (version 00):
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`; all-zero ids are invalid.
 */

/** The parts of a valid traceparent. */
export interface Traceparent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The parsed header, or undefined for a missing or invalid one. */
export function parseTraceparent(header: string | string[] | undefined): Traceparent | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  // Version ff is forbidden; a future version may append fields, which the regex already refuses.
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}
