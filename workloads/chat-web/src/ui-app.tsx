// The chat page: conversation list and search on the side, the open conversation with branch
// navigation, the composer, and the link status. Keyboard first: every control is a real button,
// input or link with a label; Enter sends, Shift+Enter adds a line, Escape cancels an edit.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { LinkStatus } from "./lib/connection.ts";
import type { Message } from "./lib/tree.ts";
import { siblingInfo } from "./lib/tree.ts";
import type { ChatStore } from "./store.ts";
import { Highlight, Markdown } from "./ui-markdown.tsx";

export function useStore(store: ChatStore): number {
  const [tick, setTick] = useState(0);
  useEffect(
    () =>
      store.subscribe(() => {
        setTick((t) => t + 1);
      }),
    [store],
  );
  return tick;
}

function statusText(s: LinkStatus): string {
  const via = s.transport === "sse" ? "SSE fallback" : "WebSocket";
  switch (s.state) {
    case "online":
      return `Connected (${via}${s.replica === undefined ? "" : `, ${s.replica}`})`;
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return `Reconnecting${s.retryInMs === undefined ? "" : ` in ${Math.ceil(s.retryInMs / 1000)} s`} (attempt ${s.attempt})…`;
    case "offline":
      return "Offline";
  }
}

export function App({ store }: { store: ChatStore }): JSX.Element {
  useStore(store);
  const me = store.session.identity;
  return (
    <div class="layout">
      <header class="top">
        <h1>Chat</h1>
        <p
          class={`link link-${store.status.state}`}
          role="status"
          aria-live="polite"
          data-testid="link-status"
          data-state={store.status.state}
          data-transport={store.status.transport}
        >
          {statusText(store.status)}
        </p>
        <span class="me">{me.name}</span>
        <button
          type="button"
          onClick={() => {
            store.session.signOut();
          }}
        >
          Sign out
        </button>
      </header>
      <Sidebar store={store} />
      <main class="conversation" aria-label="Conversation">
        {store.notice !== undefined && (
          <div class="notice" role="alert">
            {store.notice}{" "}
            <button
              type="button"
              onClick={() => {
                store.dismissNotice();
              }}
            >
              Dismiss
            </button>
          </div>
        )}
        <Thread store={store} />
        <Composer store={store} />
      </main>
    </div>
  );
}

function Sidebar({ store }: { store: ChatStore }): JSX.Element {
  const [q, setQ] = useState(store.searchQuery);
  return (
    <nav class="side" aria-label="Conversations">
      <button
        type="button"
        class="new"
        onClick={() => {
          store.open(undefined);
          document.getElementById("composer")?.focus();
        }}
      >
        New conversation
      </button>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void store.search(q);
        }}
      >
        <label for="search">Search messages</label>
        <input
          id="search"
          type="search"
          value={q}
          onInput={(e) => {
            setQ(e.currentTarget.value);
          }}
        />
        <button type="submit">Search</button>
      </form>
      {store.hits !== undefined ? (
        <section aria-label="Search results">
          <h2>
            {store.hits.length} result{store.hits.length === 1 ? "" : "s"}{" "}
            <button
              type="button"
              onClick={() => {
                setQ("");
                void store.search("");
              }}
            >
              Clear
            </button>
          </h2>
          <ul class="hits">
            {store.hits.map((h) => (
              <li key={h.messageId}>
                <a
                  href={`#/c/${h.conversationId}`}
                  data-testid="search-hit"
                  onClick={(e) => {
                    e.preventDefault();
                    store.open(h.conversationId, h.messageId);
                  }}
                >
                  <Highlight text={h.content.slice(0, 200)} query={store.searchQuery} />
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <ul class="list">
          {store.list.map((c) => (
            <li key={c.conversationId}>
              <a
                href={`#/c/${c.conversationId}`}
                aria-current={c.conversationId === store.current ? "page" : undefined}
                data-testid="conversation-link"
                onClick={(e) => {
                  e.preventDefault();
                  store.open(c.conversationId);
                }}
              >
                {c.title === "" ? "Untitled" : c.title}
              </a>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}

function Thread({ store }: { store: ChatStore }): JSX.Element {
  const path = store.path;
  const conv = store.currentConversation;
  const streaming = path.some((m) => m.status === "streaming");
  const endRef = useRef<HTMLDivElement>(null);
  const last = path.at(-1);
  useEffect(() => {
    if (store.focusMessage !== undefined)
      document.getElementById(`m-${store.focusMessage}`)?.scrollIntoView({ block: "center" });
    else endRef.current?.scrollIntoView({ block: "end" });
  }, [last?.id, last?.content.length, store.focusMessage]);
  const presence = store.current === undefined ? undefined : store.presence.get(store.current);
  const typists = store.typists;
  return (
    <section
      class="thread"
      aria-label={conv?.title !== undefined && conv.title !== "" ? conv.title : "New conversation"}
    >
      <p class="presence" data-testid="presence">
        {presence !== undefined && presence.count > 0 ? `${presence.count} connected here` : ""}
        {typists.length > 0
          ? ` · ${typists.length === 1 ? "Someone is" : `${typists.length} people are`} typing…`
          : ""}
      </p>
      <ol class="messages" aria-busy={streaming}>
        {path.map((m) => (
          <MessageItem key={m.id} store={store} m={m} />
        ))}
      </ol>
      {/* Announces reply progress once per state, not per token. */}
      <p class="sr-only" aria-live="polite">
        {streaming
          ? "Assistant is replying"
          : last?.role === "assistant"
            ? last.status === "incomplete"
              ? "Reply incomplete"
              : "Reply complete"
            : ""}
      </p>
      <div ref={endRef} />
    </section>
  );
}

function EditForm({
  store,
  m,
  onDone,
}: {
  store: ChatStore;
  m: Message;
  onDone: () => void;
}): JSX.Element {
  const [draft, setDraft] = useState(m.content);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (draft.trim() === "") return;
        void store.edit(m.id, draft).then(onDone);
      }}
    >
      <label for={`edit-${m.id}`}>Edit message</label>
      <textarea
        id={`edit-${m.id}`}
        value={draft}
        onInput={(e) => {
          setDraft(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") onDone();
        }}
        ref={(el) => el?.focus()}
      />
      <button type="submit">Save and submit</button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function Versions({ store, m }: { store: ChatStore; m: Message }): JSX.Element | null {
  const conv = store.currentConversation;
  const info = conv === undefined ? undefined : siblingInfo(conv, m);
  if (info === undefined || info.count < 2) return null;
  return (
    <span class="siblings" role="group" aria-label="Versions">
      <button
        type="button"
        aria-label="Previous version"
        disabled={info.position <= 1}
        onClick={() => {
          store.step(m, -1);
        }}
      >
        ‹
      </button>
      <span data-testid="sibling-position">
        {info.position} / {info.count}
      </span>
      <button
        type="button"
        aria-label="Next version"
        disabled={info.position >= info.count}
        onClick={() => {
          store.step(m, 1);
        }}
      >
        ›
      </button>
    </span>
  );
}

function MessageItem({ store, m }: { store: ChatStore; m: Message }): JSX.Element {
  const [editing, setEditing] = useState(false);
  const editBtn = useRef<HTMLButtonElement>(null);
  const label =
    m.role === "user"
      ? "You"
      : `Assistant${m.model === undefined || m.model === "" ? "" : ` (${m.model})`}`;
  const finish = (): void => {
    setEditing(false);
    editBtn.current?.focus();
  };
  return (
    <li
      id={`m-${m.id}`}
      class={`msg msg-${m.role} msg-${m.status}${store.focusMessage === m.id ? " focus" : ""}`}
      data-testid={`message-${m.role}`}
      data-status={m.status}
    >
      <div class="who">{label}</div>
      {editing ? (
        <EditForm store={store} m={m} onDone={finish} />
      ) : (
        <div class="body" data-testid="message-body">
          {m.role === "assistant" ? (
            <Markdown text={m.content} />
          ) : (
            <p class="plain">{m.content}</p>
          )}
          {m.status === "streaming" && (
            <span class="cursor" aria-hidden="true">
              ▍
            </span>
          )}
        </div>
      )}
      {m.status === "incomplete" && (
        <p class="incomplete" data-testid="incomplete">
          Reply incomplete ({m.reason ?? "interrupted"}).{" "}
          <button type="button" onClick={() => void store.regenerate(m.id)}>
            Retry
          </button>
        </p>
      )}
      <div class="actions">
        <Versions store={store} m={m} />
        {m.role === "user" && !editing && (
          <button
            type="button"
            ref={editBtn}
            onClick={() => {
              setEditing(true);
            }}
          >
            Edit
          </button>
        )}
        {m.role === "assistant" && m.status === "complete" && (
          <button type="button" onClick={() => void store.regenerate(m.id)}>
            Regenerate
          </button>
        )}
      </div>
    </li>
  );
}

function Composer({ store }: { store: ChatStore }): JSX.Element {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    const content = text.trim();
    if (content === "" || busy) return;
    setBusy(true);
    const ok = await store.send(content);
    setBusy(false);
    if (ok) setText("");
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label for="model">Model</label>
      <select
        id="model"
        value={store.model}
        onChange={(e) => {
          store.setModel(e.currentTarget.value);
        }}
      >
        {store.config.models.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <label for="composer">Message</label>
      <textarea
        id="composer"
        value={text}
        rows={3}
        onInput={(e) => {
          setText(e.currentTarget.value);
          store.setTyping(e.currentTarget.value !== "");
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" disabled={busy || text.trim() === ""}>
        Send
      </button>
    </form>
  );
}

export function SignIn({
  onSignIn,
  error,
}: {
  onSignIn: () => void;
  error: string | undefined;
}): JSX.Element {
  return (
    <main class="signin">
      <h1>Chat</h1>
      {error !== undefined && <p role="alert">{error}</p>}
      <button type="button" onClick={onSignIn} ref={(el) => el?.focus()}>
        Sign in
      </button>
    </main>
  );
}
