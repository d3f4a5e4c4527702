// Which repository folders an image needs: the folders of every file reachable from the image's
// entrypoints through relative imports. images/build.sh copies these, so a new
// shared folder (such as lib/) cannot be left out of an image by a hand-kept list; the image smoke
// test (images/smoke.sh) then starts the entrypoints from the unpacked image.
//   node images/sources.ts ENTRY.ts...   prints the folders, one per line, sorted
import { readFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";

// Static imports and re-exports (`from "./x.ts"`), side-effect imports and dynamic `import("./x.ts")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*)/;

/** Every file reachable from `entries` through relative specifiers (bare packages are node_modules). */
export function importClosure(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = entries.map((e) => resolve(e));
  for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`cannot read ${file} (imported relatively): ${(err as Error).message}`, {
        cause: err,
      });
    }
    // Lines that are comments (`//`, or `*` inside a block) may show imports as examples.
    const code = text
      .split("\n")
      .filter((line) => !COMMENT_LINE.test(line))
      .join("\n");
    for (const m of code.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (spec !== undefined) stack.push(resolve(dirname(file), spec));
    }
  }
  return [...seen].sort();
}

/**
 * The source folders (relative to `root`) that hold the closure's files: a top-level directory, or
 * `workloads/<name>` because each workload is a deployable of its own (the manager reaches into the
 * inference gateway only for the config schema it exports, not into the chat gateway).
 */
export function sourceFolders(files: readonly string[], root: string): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = relative(root, f).split(sep);
    const [first, second] = parts;
    if (first === undefined || first === ".." || second === undefined || parts.length < 2) {
      throw new Error(`${f} is outside a directory of ${root}`);
    }
    dirs.add(first === "workloads" && parts.length > 2 ? `${first}/${second}` : first);
  }
  return [...dirs].sort();
}

if (import.meta.main) {
  const entries = process.argv.slice(2);
  if (entries.length === 0) {
    console.error("usage: node images/sources.ts ENTRY.ts...");
    process.exit(2);
  }
  console.log(sourceFolders(importClosure(entries), process.cwd()).join("\n"));
}
