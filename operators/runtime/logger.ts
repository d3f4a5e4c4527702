// Structured JSON logging. pino's Logger already has child({...}) and level methods, so we expose
// its type directly instead of wrapping it.
import { destination, pino } from "pino";
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

/** Creates a JSON logger; level defaults to `$LOG_LEVEL` or "info". Default output: stdout, bounded buffer. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env["LOG_LEVEL"] ?? "info";
  const options = { level, base: opts.name !== undefined ? { logger: opts.name } : null, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(options, opts.destination ?? boundedStdout());
}

function boundedStdout(): DestinationStream {
  const stream = destination({ dest: 1, sync: false, minLength: 0, maxLength: LOG_BUFFER_MAX_BYTES });
  let dropped = 0;
  let reportTimer: NodeJS.Timeout | undefined;
  stream.on("drop", (data: string) => {
    dropped += data.length;
    reportTimer ??= setTimeout(() => {
      process.stderr.write(`logger: stdout is not keeping up; dropped ${dropped} bytes of log lines\n`);
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
