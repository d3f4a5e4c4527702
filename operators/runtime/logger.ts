// Structured JSON logging. pino's Logger already has child({...}) and level methods, so we expose
// its type directly instead of wrapping it.
import { pino } from "pino";
import type { Logger as PinoLogger, DestinationStream, LevelWithSilent } from "pino";

/** Structured logger: `log.info({ name, namespace }, "Created Deployment")`, `log.child({ controller })`. */
export type Logger = PinoLogger;

/** Options for `createLogger`. */
export interface LoggerOptions {
  /** pino level name ("info", "debug", …). */
  level?: LevelWithSilent | (string & {});
  name?: string;
  destination?: DestinationStream;
}

/** Creates a JSON logger; level defaults to `$LOG_LEVEL` or "info". */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env["LOG_LEVEL"] ?? "info";
  const options = { level, base: opts.name !== undefined ? { logger: opts.name } : null, timestamp: pino.stdTimeFunctions.isoTime };
  return opts.destination !== undefined ? pino(options, opts.destination) : pino(options);
}

/** A logger that discards everything (tests, defaults). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
