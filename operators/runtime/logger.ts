// Structured JSON logging. pino's Logger already has child({...}) and level methods, so we expose
// its type directly instead of wrapping it. One error shape everywhere: log `{ err }` (the thrown
// value itself) and the `err` serializer renders it as { type, message (with its cause chain),
// code (API status) }; children and Fastify request loggers inherit it.
import { destination, pino } from "pino";
import { errorMessage } from "./errors.ts";
import type { Logger as PinoLogger, DestinationStream, LevelWithSilent } from "pino";

/** Structured logger: `log.info({ name, namespace }, "Created Deployment")`, `log.child({ controller })`. */
export type Logger = PinoLogger;

/**
 * Bound on log bytes waiting for stdout. pino's default stdout stream (sonic-boom, async) buffers
 * without limit, so a stalled log pipe would grow the heap until the container is OOM-killed;
 * beyond this, lines are dropped (and counted on stderr) instead.
 */
export const LOG_BUFFER_MAX_BYTES = 8 * 1024 * 1024;

/** Options for `createLogger`. */
export interface LoggerOptions {
  /** pino level name ("info", "debug", …). */
  level?: LevelWithSilent | (string & {});
  name?: string;
  destination?: DestinationStream;
}

/** How `err` appears in every log line. */
export interface SerializedError {
  type: string;
  message: string;
  code?: number;
}

/**
 * The `err` serializer: any thrown value (Error, string, object) becomes { type, message, code }.
 * The message carries the cause chain (undici says only "fetch failed"; the cause says why); no
 * stack, so a reconcile error repeated under backoff stays one short line.
 */
export function serializeError(err: unknown): SerializedError {
  const out: SerializedError = {
    type: err instanceof Error ? err.name : typeof err,
    message: errorMessage(err),
  };
  const code = typeof err === "object" && err !== null && "code" in err ? err.code : undefined;
  if (typeof code === "number") out.code = code;
  return out;
}

/** Creates a JSON logger; level defaults to `$LOG_LEVEL` or "info". Default output: stdout, bounded buffer. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env["LOG_LEVEL"] ?? "info";
  const options = {
    level,
    base: opts.name !== undefined ? { logger: opts.name } : null,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
  };
  return pino(options, opts.destination ?? boundedStdout());
}

function boundedStdout(): DestinationStream {
  const stream = destination({
    dest: 1,
    sync: false,
    minLength: 0,
    maxLength: LOG_BUFFER_MAX_BYTES,
  });
  let dropped = 0;
  let reportTimer: NodeJS.Timeout | undefined;
  stream.on("drop", (data: string) => {
    dropped += data.length;
    reportTimer ??= setTimeout(() => {
      process.stderr.write(
        `logger: stdout is not keeping up; dropped ${dropped} bytes of log lines\n`,
      );
      dropped = 0;
      reportTimer = undefined;
    }, 10_000).unref();
  });
  return stream;
}

/** A logger that discards everything (tests, defaults). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
