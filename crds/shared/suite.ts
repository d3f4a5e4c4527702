/**
 * Shared table-test suite run by every kind's schema.test.ts: structural checks on the generated
 * CRD, CEL rules compile, every CEL rule has an invalid example, and every case validates (or fails)
 * exactly as its table says.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCrd } from "../crd.ts";
import type { KindDefinition } from "../registry.ts";
import { compileRule, validateObject } from "../validate.ts";
import type { InvalidCase, ValidCase } from "./cases.ts";
import type { CelRule } from "./schema.ts";
import { structuralProblems, toStructuralSchema } from "./structural.ts";
import type { JsonSchema } from "./structural.ts";

/** Every CEL rule in a schema, with the path of the node that carries it. */
export function collectRules(schema: unknown, path = ""): { path: string; rule: CelRule }[] {
  if (typeof schema !== "object" || schema === null) return [];
  const node = schema as JsonSchema;
  const found: { path: string; rule: CelRule }[] = [];
  const rules = node["x-kubernetes-validations"];
  if (Array.isArray(rules)) for (const rule of rules as CelRule[]) found.push({ path, rule });
  const props = node["properties"];
  if (typeof props === "object" && props !== null) {
    for (const [k, v] of Object.entries(props))
      found.push(...collectRules(v, path === "" ? k : `${path}.${k}`));
  }
  if (node["items"] !== undefined) found.push(...collectRules(node["items"], `${path}[*]`));
  if (typeof node["additionalProperties"] === "object")
    found.push(...collectRules(node["additionalProperties"], `${path}[*]`));
  return found;
}

/** Registers the standard tests for one kind. */
export function kindSuite(
  def: KindDefinition,
  validCases: readonly ValidCase[],
  invalidCases: readonly InvalidCase[],
): void {
  void describe(`${def.kind} schema`, () => {
    void it("generates a structural schema: no $ref, every node typed, described and bounded", () => {
      const schema = toStructuralSchema(def.schema);
      assert.deepEqual(structuralProblems(schema), []);
      assert.ok(!JSON.stringify(buildCrd(def)).includes("$ref"));
      assert.ok(!JSON.stringify(schema).includes('"$id"'));
    });

    void it("has a status subresource and the librechat category", () => {
      const crd = JSON.stringify(buildCrd(def));
      assert.ok(crd.includes('"status":{}'));
      assert.deepEqual(def.categories, ["librechat"]);
    });

    const rules = collectRules(toStructuralSchema(def.schema));
    void it("has CEL rules that compile and carry a message", () => {
      assert.ok(rules.length > 0);
      for (const { rule } of rules) {
        assert.doesNotThrow(() => compileRule(rule.rule), rule.rule);
        assert.ok(rule.message.length > 0);
        assert.ok(!rule.rule.includes("\n"));
      }
    });

    void it("has an invalid case for every CEL rule", () => {
      const messages = invalidCases.map((c) => c.expectMessageIncludes);
      const missing = rules.filter(
        ({ rule }) => !messages.some((m) => rule.message.includes(m) || m.includes(rule.message)),
      );
      assert.deepEqual(
        missing.map((m) => `${m.path}: ${m.rule.message}`),
        [],
      );
    });

    void it("exercises every CEL rule with a valid case (the rule evaluated and held)", () => {
      const held = new Set<string>();
      for (const c of validCases) {
        validateObject(def, c.object, {
          ...(c.oldObject === undefined ? {} : { oldObject: c.oldObject }),
          onRule: (rule, ok) => {
            if (ok) held.add(rule.rule);
          },
        });
      }
      const missing = rules.filter(({ rule }) => !held.has(rule.rule));
      assert.deepEqual(
        missing.map((m) => `${m.path}: ${m.rule.message}`),
        [],
      );
    });

    void describe("valid cases", () => {
      for (const c of validCases) {
        void it(c.name, () => {
          const options = c.oldObject === undefined ? {} : { oldObject: c.oldObject };
          if (c.oldObject !== undefined)
            assert.deepEqual(
              validateObject(def, c.oldObject),
              [],
              "oldObject must itself be valid",
            );
          assert.deepEqual(validateObject(def, c.object, options), []);
        });
      }
    });

    void describe("invalid cases", () => {
      for (const c of invalidCases) {
        void it(c.name, () => {
          const options = c.oldObject === undefined ? {} : { oldObject: c.oldObject };
          if (c.oldObject !== undefined)
            assert.deepEqual(
              validateObject(def, c.oldObject),
              [],
              "oldObject must itself be valid",
            );
          const errors = validateObject(def, c.object, options);
          const hit = errors.find(
            (e) => e.path === c.expectFieldPath && e.message.includes(c.expectMessageIncludes),
          );
          assert.ok(
            hit,
            `expected ${c.expectFieldPath}: …${c.expectMessageIncludes}…, got:\n${errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`,
          );
          assert.ok(
            !errors.some((e) => e.message.includes("rule evaluation error")),
            JSON.stringify(errors),
          );
        });
      }
    });
  });
}
