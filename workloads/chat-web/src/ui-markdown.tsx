// Renders the Markdown tree of lib/markdown.ts with Preact elements. Every string goes in as a
// text node (Preact escapes it); no innerHTML anywhere, so a reply cannot inject markup.
import type { JSX } from "preact";
import type { Block, Inline } from "./lib/markdown.ts";
import { parseMarkdown } from "./lib/markdown.ts";

function inlines(xs: Inline[]): JSX.Element[] {
  return xs.map((x, i) => {
    switch (x.t) {
      case "text":
        return <>{x.v}</>;
      case "code":
        return <code key={i}>{x.v}</code>;
      case "strong":
        return <strong key={i}>{inlines(x.c)}</strong>;
      case "em":
        return <em key={i}>{inlines(x.c)}</em>;
      case "link":
        return (
          <a key={i} href={x.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(x.c)}
          </a>
        );
      case "br":
        return <br key={i} />;
    }
  });
}

function block(b: Block, i: number): JSX.Element {
  switch (b.t) {
    case "p":
      return <p key={i}>{inlines(b.c)}</p>;
    case "h": {
      const Tag = `h${Math.min(b.level + 2, 6)}` as "h3";
      return <Tag key={i}>{inlines(b.c)}</Tag>;
    }
    case "pre":
      return (
        <pre key={i} data-lang={b.lang}>
          <code>{b.v}</code>
        </pre>
      );
    case "ul":
      return (
        <ul key={i}>
          {b.items.map((it, j) => (
            <li key={j}>{inlines(it)}</li>
          ))}
        </ul>
      );
    case "ol":
      return (
        <ol key={i} start={b.start}>
          {b.items.map((it, j) => (
            <li key={j}>{inlines(it)}</li>
          ))}
        </ol>
      );
    case "quote":
      return <blockquote key={i}>{b.c.map(block)}</blockquote>;
  }
}

export function Markdown({ text }: { text: string }): JSX.Element {
  return <div class="md">{parseMarkdown(text).map(block)}</div>;
}

/** Text with every occurrence of the query's words marked (search results). */
export function Highlight({ text, query }: { text: string; query: string }): JSX.Element {
  const words = query
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ""))
    .filter((w) => w.length > 0);
  if (words.length === 0) return <>{text}</>;
  const re = new RegExp(
    `(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`,
    "giu",
  );
  const parts = text.split(re);
  return <>{parts.map((p, i) => (i % 2 === 1 ? <mark key={i}>{p}</mark> : p))}</>;
}
