/**
 * Writes or checks a set of generated files (the shipping generators: Argo CD health ConfigMap,
 * Helm chart, dashboards). `--check` never writes; it lists every file that is missing or differs,
 * so `make verify` fails on a stale generated file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Path (relative to the repository root) → exact file text. */
export type GeneratedFiles = ReadonlyMap<string, string>;

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function firstDifference(expected: string, actual: string): string {
  const e = expected.split("\n");
  const a = actual.split("\n");
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}: have ${a[i] ?? "<end>"} | want ${e[i] ?? "<end>"}`;
  }
  return "";
}

/** Writes the files under root (or with check=true returns what is stale); returns problems found. */
export function writeOrCheck(root: string, files: GeneratedFiles, check: boolean): string[] {
  const stale: string[] = [];
  for (const [rel, text] of files) {
    const path = `${root}/${rel}`;
    const current = readOrUndefined(path);
    if (current === text) continue;
    if (check) {
      stale.push(
        current === undefined
          ? `${rel}: missing`
          : `${rel}: stale, ${firstDifference(text, current)}`,
      );
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return stale;
}
