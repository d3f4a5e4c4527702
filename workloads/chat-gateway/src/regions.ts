/**
 * The regions table (CHAT_REGIONS_FILE, contract #4): which chat regions exist, their endpoints,
 * priority, weight and health, as published by the ChatRegion operator in a ConfigMap. The
 * gateway re-reads it when the mounted file changes and hands it to clients (`welcome`,
 * `reconnect`, `GET /regions`) so a client that loses its region knows where to go.
 */
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export const RegionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    dataRegion: Type.String({ minLength: 1 }),
    endpoint: Type.String({ minLength: 1 }),
    priority: Type.Integer(),
    weight: Type.Integer({ minimum: 0 }),
    healthy: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Region = Static<typeof RegionSchema>;

export const RegionsTableSchema = Type.Object(
  { regions: Type.Array(RegionSchema), self: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type RegionsTable = Static<typeof RegionsTableSchema>;

/** Parses and validates a regions table (pure). Errors name the JSON path. */
export function parseRegionsTable(
  text: string,
): { ok: true; table: RegionsTable } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: "not valid JSON" };
  }
  const first = Value.Errors(RegionsTableSchema, parsed).First();
  if (first !== undefined)
    return { ok: false, error: `${first.path === "" ? "/" : first.path}: ${first.message}` };
  const table = parsed as RegionsTable;
  const names = new Set<string>();
  for (const r of table.regions) {
    if (names.has(r.name)) return { ok: false, error: `/regions: duplicate region ${r.name}` };
    names.add(r.name);
  }
  return { ok: true, table };
}

/**
 * Keeps the last valid table of a file. kubelet updates a mounted ConfigMap by swapping the
 * `..data` symlink of its directory, which replaces no inode the file's own watch would see, so
 * the directory is watched and any change re-reads the file (debounced). A broken or missing file
 * keeps the previous table (the operator's mistake must not blind clients) and is reported.
 */
export class RegionsWatcher {
  readonly #file: string;
  readonly #onError: (err: unknown, msg: string) => void;
  readonly #onChange: (table: RegionsTable | null) => void;
  #table: RegionsTable | null = null;
  #text = "";
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;

  constructor(
    file: string,
    opts: {
      onError: (err: unknown, msg: string) => void;
      onChange?: (t: RegionsTable | null) => void;
    },
  ) {
    this.#file = file;
    this.#onError = opts.onError;
    this.#onChange = opts.onChange ?? ((): void => undefined);
  }

  /** The current table, or null if none was ever read. */
  get table(): RegionsTable | null {
    return this.#table;
  }

  /** Reads the file once and starts watching its directory. */
  async start(pollMs = 10_000): Promise<void> {
    await this.reload();
    try {
      this.#watcher = watch(dirname(this.#file), () => {
        this.#schedule();
      });
      this.#watcher.on("error", (err) => {
        this.#onError(err, "Failed to watch the regions file's directory");
      });
    } catch (err) {
      this.#onError(err, "Failed to watch the regions file's directory");
    }
    // A safety net for filesystems without inotify events (some network and overlay mounts).
    this.#poll = setInterval(() => {
      void this.reload();
    }, pollMs);
    this.#poll.unref();
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload();
    }, 50);
    this.#timer.unref();
  }

  /** Re-reads the file; keeps the previous table if it is missing or invalid. */
  async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, "utf8");
    } catch (err) {
      this.#onError(err, `Failed to read the regions file ${basename(this.#file)}`);
      return;
    }
    if (text === this.#text) return;
    const r = parseRegionsTable(text);
    if (!r.ok) {
      this.#onError(new Error(r.error), `Ignored an invalid regions file ${basename(this.#file)}`);
      return;
    }
    this.#text = text;
    this.#table = r.table;
    this.#onChange(r.table);
  }

  close(): void {
    this.#watcher?.close();
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#poll !== null) clearInterval(this.#poll);
  }
}
