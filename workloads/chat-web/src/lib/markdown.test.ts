// Table tests for the Markdown subset, including hostile input that must stay inert text.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Block, Inline } from "./markdown.ts";
import { parseInline, parseMarkdown, safeHref } from "./markdown.ts";

/** Every string that reaches the page: text, code, link targets. */
function strings(blocks: Block[]): string[] {
  const inl = (xs: Inline[]): string[] =>
    xs.flatMap((x) =>
      x.t === "text" || x.t === "code"
        ? [x.v]
        : x.t === "br"
          ? []
          : x.t === "link"
            ? [x.href, ...inl(x.c)]
            : inl(x.c),
    );
  return blocks.flatMap((b) => {
    switch (b.t) {
      case "p":
      case "h":
        return inl(b.c);
      case "pre":
        return [b.v];
      case "ul":
      case "ol":
        return b.items.flatMap(inl);
      case "quote":
        return strings(b.c);
    }
  });
}

test("inline markup", () => {
  const cases: [string, Inline[]][] = [
    ["plain", [{ t: "text", v: "plain" }]],
    [
      "a `x<y>` b",
      [
        { t: "text", v: "a " },
        { t: "code", v: "x<y>" },
        { t: "text", v: " b" },
      ],
    ],
    [
      "**bold** and *em*",
      [
        { t: "strong", c: [{ t: "text", v: "bold" }] },
        { t: "text", v: " and " },
        { t: "em", c: [{ t: "text", v: "em" }] },
      ],
    ],
    ["snake_case_name", [{ t: "text", v: "snake_case_name" }]],
    [
      "[site](https://example.org/a)",
      [{ t: "link", href: "https://example.org/a", c: [{ t: "text", v: "site" }] }],
    ],
    ["[x](javascript:alert(1))", [{ t: "text", v: "[x](javascript:alert(1))" }]],
    ["2 * 3 * 4", [{ t: "text", v: "2 * 3 * 4" }]],
    ["line\nbreak", [{ t: "text", v: "line" }, { t: "br" }, { t: "text", v: "break" }]],
  ];
  for (const [src, want] of cases) assert.deepEqual(parseInline(src), want, src);
});

test("blocks", () => {
  assert.deepEqual(
    parseMarkdown(
      "# Title\n\npara one\nstill one\n\n- a\n- b\n\n1. x\n2. y\n\n> quoted\n\n```ts\nconst a = 1;\n```",
    ),
    [
      { t: "h", level: 1, c: [{ t: "text", v: "Title" }] },
      { t: "p", c: [{ t: "text", v: "para one" }, { t: "br" }, { t: "text", v: "still one" }] },
      { t: "ul", items: [[{ t: "text", v: "a" }], [{ t: "text", v: "b" }]] },
      { t: "ol", start: 1, items: [[{ t: "text", v: "x" }], [{ t: "text", v: "y" }]] },
      { t: "quote", c: [{ t: "p", c: [{ t: "text", v: "quoted" }] }] },
      { t: "pre", lang: "ts", v: "const a = 1;" },
    ],
  );
  assert.deepEqual(parseMarkdown("```\nunclosed while streaming"), [
    { t: "pre", lang: "", v: "unclosed while streaming" },
  ]);
});

test("safe link targets only", () => {
  const cases: [string, string | undefined][] = [
    ["https://a.example/x?y=1", "https://a.example/x?y=1"],
    ["http://a.example", "http://a.example/"],
    ["mailto:x@a.example", "mailto:x@a.example"],
    ["javascript:alert(1)", undefined],
    ["JaVaScRiPt:alert(1)", undefined],
    ["data:text/html,<script>alert(1)</script>", undefined],
    ["vbscript:x", undefined],
    ["/relative", undefined],
  ];
  for (const [src, want] of cases) assert.equal(safeHref(src), want, src);
});

test("hostile content stays text: no element, attribute or scheme survives as markup", () => {
  const hostile = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(document.cookie)</script>",
    '[click](javascript:alert("x"))',
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1)">x</a>',
    "```html\n<iframe src=//evil></iframe>\n```",
    "**<b onmouseover=alert(1)>bold</b>**",
  ].join("\n\n");
  const blocks = parseMarkdown(hostile);
  const all = strings(blocks);
  // The markup characters are kept verbatim as text (the view renders them as text nodes).
  assert.ok(all.some((s) => s.includes("<img src=x onerror=")));
  assert.ok(all.some((s) => s.includes("<script>")));
  const hrefs = JSON.stringify(blocks).match(/"href":"[^"]*"/g) ?? [];
  assert.deepEqual(hrefs, [], "no link was made from a hostile target");
});
