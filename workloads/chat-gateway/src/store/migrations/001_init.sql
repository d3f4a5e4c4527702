-- Chat gateway schema: append-only event log, read models (projections), reply leases and
-- search embeddings. Every table is scoped by (tenant_id, user_id) with row-level security.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS chat;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chat_gateway_app') THEN
    CREATE ROLE chat_gateway_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

-- Write side -----------------------------------------------------------------------------
-- One row per conversation stream: its owner. The stream's version is max(events.version),
-- read from the unique index; optimistic concurrency is that unique (stream_id, version).
CREATE TABLE chat.streams (
  stream_id  uuid PRIMARY KEY,
  tenant_id  text NOT NULL,
  user_id    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat.events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- No foreign key to chat.streams: chat.append_events is the only writer and creates the stream
  -- row (version 0) or requires version `expected` to exist; an FK would add a KEY SHARE lock on
  -- the stream row to every append.
  stream_id  uuid NOT NULL,
  version    integer NOT NULL CHECK (version > 0),
  tenant_id  text NOT NULL,
  user_id    text NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL,
  actor      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT events_stream_version_uq UNIQUE (stream_id, version)
);

CREATE FUNCTION chat.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'chat.events is append-only';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON chat.events
  FOR EACH ROW EXECUTE FUNCTION chat.events_append_only();

-- Read models (rebuildable from chat.events) ---------------------------------------------
CREATE TABLE chat.conversations (
  conversation_id uuid PRIMARY KEY,
  tenant_id       text NOT NULL,
  user_id         text NOT NULL,
  title           text NOT NULL,
  version         integer NOT NULL,
  message_count   integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  last_event_at   timestamptz NOT NULL
);
CREATE INDEX conversations_owner_idx ON chat.conversations (tenant_id, user_id, last_event_at DESC);

CREATE TABLE chat.messages (
  conversation_id uuid NOT NULL,
  message_id      uuid NOT NULL,
  tenant_id       text NOT NULL,
  user_id         text NOT NULL,
  parent_id       uuid,
  role            text NOT NULL CHECK (role IN ('user', 'assistant')),
  content         text NOT NULL,
  status          text NOT NULL CHECK (status IN ('complete', 'streaming', 'incomplete')),
  model           text,
  edit_of         uuid,
  regenerate_of   uuid,
  seq             integer NOT NULL,
  updated_seq     integer NOT NULL,
  created_at      timestamptz NOT NULL,
  tsv             tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
  PRIMARY KEY (conversation_id, message_id)
);
CREATE INDEX messages_owner_idx ON chat.messages (tenant_id, user_id, conversation_id, seq);
CREATE INDEX messages_tsv_idx ON chat.messages USING gin (tsv);

-- Fork points: every message with its position among the siblings sharing its parent.
CREATE TABLE chat.branches (
  conversation_id uuid NOT NULL,
  parent_key      uuid NOT NULL, -- parent message id, or the nil uuid for roots
  message_id      uuid NOT NULL,
  tenant_id       text NOT NULL,
  user_id         text NOT NULL,
  sibling_index   integer NOT NULL,
  PRIMARY KEY (conversation_id, message_id),
  UNIQUE (conversation_id, parent_key, sibling_index)
);

-- Operational: in-progress replies and their owner's lease (the "in-progress marker").
CREATE TABLE chat.reply_leases (
  conversation_id uuid NOT NULL,
  message_id      uuid NOT NULL,
  tenant_id       text NOT NULL,
  user_id         text NOT NULL,
  replica         text NOT NULL,
  lease_until     timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, message_id)
);
CREATE INDEX reply_leases_until_idx ON chat.reply_leases (lease_until);

-- Search index: embeddings filled asynchronously by the indexer (not part of the rebuild).
CREATE TABLE chat.message_embeddings (
  conversation_id uuid NOT NULL,
  message_id      uuid NOT NULL,
  tenant_id       text NOT NULL,
  user_id         text NOT NULL,
  model           text NOT NULL,
  embedding       vector NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, message_id)
);
CREATE INDEX message_embeddings_owner_idx ON chat.message_embeddings (tenant_id, user_id);

-- Row-level security: a second line behind the explicit WHERE clauses ---------------------
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['streams', 'events', 'conversations', 'messages', 'branches',
                           'reply_leases', 'message_embeddings'] LOOP
    EXECUTE format('ALTER TABLE chat.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY owner_only ON chat.%I
      USING (tenant_id = current_setting('app.tenant_id', true)
             AND user_id = current_setting('app.user_id', true))
      WITH CHECK (tenant_id = current_setting('app.tenant_id', true)
             AND user_id = current_setting('app.user_id', true))$p$, t);
  END LOOP;
END
$$;

GRANT USAGE ON SCHEMA chat TO chat_gateway_app;
GRANT SELECT, INSERT ON chat.streams TO chat_gateway_app;
GRANT SELECT, INSERT ON chat.events TO chat_gateway_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON chat.conversations, chat.messages, chat.branches,
  chat.reply_leases, chat.message_embeddings TO chat_gateway_app;

-- Narrow cross-tenant functions for background work (no message content leaves except to the
-- indexer). SECURITY DEFINER: they run as the migration owner, which bypasses RLS.
CREATE FUNCTION chat.stream_heads(ids uuid[])
RETURNS TABLE (stream_id uuid, version integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = chat, pg_temp AS $$
  SELECT s.stream_id,
         coalesce((SELECT max(e.version) FROM chat.events e WHERE e.stream_id = s.stream_id), 0)
  FROM chat.streams s WHERE s.stream_id = ANY (ids)
$$;

CREATE FUNCTION chat.expired_reply_leases(lim integer)
RETURNS TABLE (conversation_id uuid, message_id uuid, tenant_id text, user_id text, replica text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = chat, pg_temp AS $$
  SELECT l.conversation_id, l.message_id, l.tenant_id, l.user_id, l.replica
  FROM chat.reply_leases l WHERE l.lease_until < now() ORDER BY l.lease_until LIMIT lim
$$;

CREATE FUNCTION chat.pending_embeddings(lim integer)
RETURNS TABLE (conversation_id uuid, message_id uuid, tenant_id text, user_id text, content text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = chat, pg_temp AS $$
  SELECT m.conversation_id, m.message_id, m.tenant_id, m.user_id, m.content
  FROM chat.messages m
  WHERE m.status = 'complete' AND m.content <> ''
    AND NOT EXISTS (SELECT 1 FROM chat.message_embeddings e
                    WHERE e.conversation_id = m.conversation_id AND e.message_id = m.message_id)
  ORDER BY m.created_at LIMIT lim
$$;

CREATE FUNCTION chat.indexer_backlog()
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = chat, pg_temp AS $$
  SELECT count(*) FROM chat.messages m
  WHERE m.status = 'complete' AND m.content <> ''
    AND NOT EXISTS (SELECT 1 FROM chat.message_embeddings e
                    WHERE e.conversation_id = m.conversation_id AND e.message_id = m.message_id)
$$;

REVOKE ALL ON FUNCTION chat.stream_heads(uuid[]), chat.expired_reply_leases(integer),
  chat.pending_embeddings(integer), chat.indexer_backlog() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chat.stream_heads(uuid[]), chat.expired_reply_leases(integer),
  chat.pending_embeddings(integer), chat.indexer_backlog() TO chat_gateway_app;
