// A small five-field cron parser (UTC) for spec.schedule.cron: minute hour day-of-month month
// day-of-week, with `*`, lists, ranges and steps, plus @hourly/@daily/@weekly/@monthly. Written
// here instead of pulling a dependency because the schedule only needs "next time after t", and
// the semantics (Vixie cron: if both day fields are restricted, either may match) fit in a page.

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** True when the field was `*` (or `*`/step): Vixie cron ORs the day fields only if both are restricted. */
  domStar: boolean;
  dowStar: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
};

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day-of-week", min: 0, max: 7 },
] as const;

function parseNumber(s: string, field: string): number {
  if (!/^\d{1,2}$/.test(s)) throw new Error(`cron ${field}: "${s}" is not a number`);
  return Number(s);
}

type Field = (typeof FIELDS)[number];

function parseStep(stepText: string | undefined, f: Field): number {
  const step = stepText === undefined ? 1 : parseNumber(stepText, f.name);
  if (step < 1) throw new Error(`cron ${f.name}: step must be at least 1`);
  return step;
}

/** Bounds of one range ("*", "a", "a-b"); "a/step" runs to the field's maximum. */
function parseBounds(range: string, stepped: boolean, f: Field): [number, number] {
  if (range === "*") return [f.min, f.max];
  const [a = "", b] = range.split("-");
  const lo = parseNumber(a, f.name);
  if (b !== undefined) return [lo, parseNumber(b, f.name)];
  return [lo, stepped ? f.max : lo];
}

function parseField(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = parseStep(stepText, f);
    const [lo, hi] = parseBounds(range, stepText !== undefined, f);
    if (lo < f.min || hi > f.max || lo > hi)
      throw new Error(`cron ${f.name}: "${part}" is outside ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += step) out.add(f.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return out;
}

/** Parses a cron expression; throws an Error naming the bad field. */
export function parseCron(expr: string): CronSchedule {
  const text = MACROS[expr.trim()] ?? expr.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron: want 5 fields, got ${parts.length}`);
  const sets = FIELDS.map((f, i) => parseField(parts[i] ?? "", f));
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domStar: (parts[2] ?? "").startsWith("*"),
    dowStar: (parts[4] ?? "").startsWith("*"),
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  if (s.domStar || s.dowStar) return dom && dow;
  return dom || dow;
}

/** The first schedule time strictly after `after` (UTC, whole minutes), or undefined within 5 years. */
export function nextAfter(s: CronSchedule, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  return undefined;
}

/**
 * The latest schedule time in (after, now], if any: the run that is due now. Missed older times
 * collapse into this one (like CronJob, a controller that was down starts one run, not many).
 */
export function latestDue(s: CronSchedule, after: Date, now: Date): Date | undefined {
  let due: Date | undefined;
  let t = nextAfter(s, after);
  // Bounded: at most one year of minutes is scanned forward from `after`.
  for (let i = 0; t !== undefined && t.getTime() <= now.getTime() && i < 527_040; i++) {
    due = t;
    t = nextAfter(s, t);
  }
  return due;
}
