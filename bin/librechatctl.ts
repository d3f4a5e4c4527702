#!/usr/bin/env node
/**
 * librechatctl: offline tooling for librechat.io/v1alpha1 resources.
 *
 *   librechatctl template <kind>         print a commented CR template
 *   librechatctl validate <file|->...    validate every document (schema + CEL rules)
 *   librechatctl kinds                   list the kinds
 *
 * Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { KINDS, lookupKind } from "../crds/registry.ts";
import { renderTemplate } from "../crds/template.ts";
import { validateDocument } from "../crds/validate.ts";

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export const USAGE = `librechatctl: offline tooling for librechat.io/v1alpha1 resources

Usage:
  librechatctl template <kind>        Print a commented template for a kind (name, plural or short name).
  librechatctl validate <file|->...   Validate every YAML/JSON document offline against the CRD schemas
                                      and the same CEL rules the API server runs ("-" reads stdin).
                                      Documents of other API groups (Secret, ConfigMap, ...) are skipped.
  librechatctl kinds                  List the kinds with their short names.
  librechatctl --help                 Show this help.

Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.
Error lines: <file>:<docIndex> <Kind>/<name>: <field.path>: <message>
`;

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => string;
}

const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p === "-" ? 0 : p, "utf8"),
};

function templateCommand(args: readonly string[], io: Io): number {
  const name = args[0];
  if (name === undefined || args.length !== 1) {
    io.stderr(
      `template: expected exactly one kind (one of: ${KINDS.map((k) => k.singular).join(", ")})\n`,
    );
    return EXIT_USAGE;
  }
  const def = lookupKind(name);
  if (def === undefined) {
    io.stderr(
      `template: unknown kind "${name}" (one of: ${KINDS.map((k) => k.singular).join(", ")})\n`,
    );
    return EXIT_USAGE;
  }
  io.stdout(renderTemplate(def));
  return EXIT_OK;
}

function isLibrechat(doc: unknown): boolean {
  if (typeof doc !== "object" || doc === null) return true;
  const apiVersion = (doc as Record<string, unknown>)["apiVersion"];
  return typeof apiVersion !== "string" || apiVersion.startsWith("librechat.io/");
}

/** Validates one file; returns [documents checked, errors printed] or undefined on I/O or parse failure. */
function validateFile(file: string, io: Io): { checked: number; invalid: number } | undefined {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (err) {
    io.stderr(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
  // YAML 1.1 without timestamps: what kubectl (sigs.k8s.io/yaml) reads, so `on:` is a boolean key
  // and an unquoted date stays a string, exactly as on the way to the API server.
  const docs = parseAllDocuments(text, {
    version: "1.1",
    customTags: (tags) =>
      tags.filter((t) => typeof t === "string" || t.tag !== "tag:yaml.org,2002:timestamp"),
  });
  if (!Array.isArray(docs)) {
    io.stderr(`${file}: not a YAML stream\n`);
    return undefined;
  }
  let checked = 0;
  let invalid = 0;
  for (const [index, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      io.stderr(
        `${file}:${index}: YAML parse error: ${doc.errors.map((e) => e.message).join("; ")}\n`,
      );
      return undefined;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined || !isLibrechat(value)) continue;
    checked++;
    const result = validateDocument(value, index);
    if (result.errors.length > 0) invalid++;
    for (const e of result.errors) {
      io.stdout(
        `${file}:${index} ${result.kind}/${result.name}: ${e.path === "" ? "<root>" : e.path}: ${e.message}\n`,
      );
    }
  }
  return { checked, invalid };
}

function validateCommand(files: readonly string[], io: Io): number {
  if (files.length === 0) {
    io.stderr("validate: expected at least one file (or - for stdin)\n");
    return EXIT_USAGE;
  }
  let invalid = 0;
  let checked = 0;
  for (const file of files) {
    const result = validateFile(file, io);
    if (result === undefined) return EXIT_USAGE;
    invalid += result.invalid;
    checked += result.checked;
  }
  if (invalid > 0) {
    io.stderr(`${invalid} of ${checked} librechat.io document(s) invalid\n`);
    return EXIT_INVALID;
  }
  io.stderr(`${checked} librechat.io document(s) valid\n`);
  return EXIT_OK;
}

/** Runs the CLI with the given arguments (without `node` and the script path). */
export function run(argv: readonly string[], io: Io = defaultIo): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "--help":
    case "-h":
    case "help":
      io.stdout(USAGE);
      return EXIT_OK;
    case "template":
      return templateCommand(rest, io);
    case "validate":
      return validateCommand(rest, io);
    case "kinds":
      for (const k of KINDS)
        io.stdout(`${k.kind}\t${k.plural}\t${k.shortNames.join(",")}\t${k.scope}\n`);
      return EXIT_OK;
    default:
      io.stderr(command === undefined ? USAGE : `unknown command "${command}"\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = run(process.argv.slice(2));
}
