// A small Markdown subset parsed into a plain tree (never into HTML). The view renders the tree
// with text nodes only, so model output cannot inject markup, scripts or styles whatever it holds;
// links keep only http(s) and mailto targets. Covers what chat replies use: paragraphs, headings,
// fenced code, lists, quotes, inline code, bold, italics and links.

export type Inline =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "strong"; c: Inline[] }
  | { t: "em"; c: Inline[] }
  | { t: "link"; href: string; c: Inline[] }
  | { t: "br" };

export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "h"; level: 1 | 2 | 3 | 4 | 5 | 6; c: Inline[] }
  | { t: "pre"; lang: string; v: string }
  | { t: "ul"; items: Inline[][] }
  | { t: "ol"; start: number; items: Inline[][] }
  | { t: "quote"; c: Block[] };

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** The link target if it is absolute and of a safe scheme; undefined otherwise (shown as text). */
export function safeHref(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  return SAFE_SCHEMES.has(url.protocol) ? url.href : undefined;
}

interface Rule {
  re: RegExp;
  make: (m: RegExpExecArray) => Inline;
}

const INLINE_RULES: Rule[] = [
  { re: /`([^`]+)`/y, make: (m) => ({ t: "code", v: m[1] ?? "" }) },
  { re: /\*\*(?=\S)([\s\S]*?\S)\*\*/y, make: (m) => ({ t: "strong", c: parseInline(m[1] ?? "") }) },
  { re: /__(?=\S)([\s\S]*?\S)__/y, make: (m) => ({ t: "strong", c: parseInline(m[1] ?? "") }) },
  { re: /\*(?=\S)([\s\S]*?\S)\*/y, make: (m) => ({ t: "em", c: parseInline(m[1] ?? "") }) },
  {
    re: /_(?=\S)([\s\S]*?\S)_(?![A-Za-z0-9])/y,
    make: (m) => ({ t: "em", c: parseInline(m[1] ?? "") }),
  },
  {
    re: /\[([^\]]*)\]\(([^()\s]+)\)/y,
    make: (m) => {
      const href = safeHref(m[2] ?? "");
      const c = parseInline(m[1] ?? "");
      return href === undefined ? { t: "text", v: m[0] } : { t: "link", href, c };
    },
  },
];

function pushText(out: Inline[], v: string): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.t === "text") last.v += v;
  else out.push({ t: "text", v });
}

/** The node of the markup that starts at `i`, and its length; undefined if none does. */
function markupAt(src: string, i: number): { node: Inline; length: number } | undefined {
  for (const rule of INLINE_RULES) {
    rule.re.lastIndex = i;
    const m = rule.re.exec(src);
    if (m !== null) return { node: rule.make(m), length: m[0].length };
  }
  return undefined;
}

/** Parses inline markup; anything that is not markup stays text, character for character. */
export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? "";
    if (ch === "\n") {
      out.push({ t: "br" });
      i++;
      continue;
    }
    const hit = "`*_[".includes(ch) ? markupAt(src, i) : undefined;
    if (hit === undefined) {
      pushText(out, ch);
      i++;
    } else {
      if (hit.node.t === "text") pushText(out, hit.node.v);
      else out.push(hit.node);
      i += hit.length;
    }
  }
  return out;
}

const FENCE = /^(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const UL_ITEM = /^\s{0,3}[-*+]\s+(.*)$/;
const OL_ITEM = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

function isBlockStart(line: string): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    UL_ITEM.test(line) ||
    OL_ITEM.test(line) ||
    QUOTE.test(line)
  );
}

/** A block parser: the block starting at line `i` and the next line, or undefined if not its kind. */
type BlockParser = (
  lines: string[],
  i: number,
  depth: number,
) => { block: Block; next: number } | undefined;

const parseFence: BlockParser = (lines, i) => {
  const fence = FENCE.exec(lines[i] ?? "");
  if (fence === null) return undefined;
  const body: string[] = [];
  let j = i + 1;
  while (j < lines.length && !(lines[j] ?? "").startsWith(fence[1] ?? "```"))
    body.push(lines[j++] ?? "");
  return { block: { t: "pre", lang: fence[2] ?? "", v: body.join("\n") }, next: j + 1 };
};

const parseHeading: BlockParser = (lines, i) => {
  const h = HEADING.exec(lines[i] ?? "");
  if (h === null) return undefined;
  const level = Math.min((h[1] ?? "#").length, 6) as 1 | 2 | 3 | 4 | 5 | 6;
  return { block: { t: "h", level, c: parseInline(h[2] ?? "") }, next: i + 1 };
};

const parseQuote: BlockParser = (lines, i, depth) => {
  if (!QUOTE.test(lines[i] ?? "") || depth >= 8) return undefined;
  const body: string[] = [];
  let j = i;
  for (let q = QUOTE.exec(lines[j] ?? ""); q !== null; q = QUOTE.exec(lines[j] ?? "")) {
    body.push(q[1] ?? "");
    j++;
  }
  return { block: { t: "quote", c: parseMarkdown(body.join("\n"), depth + 1) }, next: j };
};

const parseParagraph: BlockParser = (lines, i) => {
  const para: string[] = [];
  let j = i;
  while (
    j < lines.length &&
    (lines[j] ?? "").trim() !== "" &&
    (para.length === 0 || !isBlockStart(lines[j] ?? ""))
  ) {
    para.push(lines[j++] ?? "");
  }
  return { block: { t: "p", c: parseInline(para.join("\n")) }, next: j };
};

const BLOCK_PARSERS: BlockParser[] = [
  parseFence,
  parseHeading,
  parseQuote,
  (lines, i) => parseList(lines, i),
  parseParagraph,
];

/** Parses a document into blocks. Unclosed fences run to the end (a reply still streaming). */
export function parseMarkdown(src: string, depth = 0): Block[] {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    if ((lines[i] ?? "").trim() === "") {
      i++;
      continue;
    }
    for (const parse of BLOCK_PARSERS) {
      const r = parse(lines, i, depth);
      if (r === undefined) continue;
      out.push(r.block);
      i = r.next;
      break;
    }
  }
  return out;
}

function parseList(lines: string[], start: number): { block: Block; next: number } | undefined {
  const first = lines[start] ?? "";
  const ordered = OL_ITEM.exec(first);
  const re = ordered !== null ? OL_ITEM : UL_ITEM.test(first) ? UL_ITEM : undefined;
  if (re === undefined) return undefined;
  const items: Inline[][] = [];
  let i = start;
  for (let m = re.exec(lines[i] ?? ""); m !== null; m = re.exec(lines[i] ?? "")) {
    items.push(parseInline((ordered !== null ? m[2] : m[1]) ?? ""));
    i++;
  }
  const block: Block =
    ordered !== null ? { t: "ol", start: Number(ordered[1]), items } : { t: "ul", items };
  return { block, next: i };
}
