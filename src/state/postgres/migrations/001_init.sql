-- recs durable state, version 1. Append-only: once released, never edit this file; add 002_*.sql.
-- Runs in the schema of the connection's search_path, inside the migrator's transaction.

-- Long-term shopper state. Written only in the transaction that logs the feedback moving it.
CREATE TABLE users (
  user_id           text PRIMARY KEY,
  embedding         real[],
  interaction_count bigint NOT NULL DEFAULT 0,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The catalog. change_seq orders upserts for replicas polling changesSince; writers serialize on an
-- advisory lock so sequence order is also commit order and a poller never skips a late commit.
CREATE SEQUENCE items_change_seq;
CREATE TABLE items (
  item_id    text PRIMARY KEY,
  embedding  real[] NOT NULL,
  category   text NOT NULL DEFAULT '',
  attributes jsonb NOT NULL DEFAULT '{}',
  available  boolean NOT NULL DEFAULT true,
  change_seq bigint NOT NULL DEFAULT nextval('items_change_seq'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX items_change_seq_idx ON items (change_seq);

-- The append-only event log: impressions, feedback and default rewards, one row each, seq = position.
--
-- Why not partitioned by day: a unique constraint on a partitioned table must include the partition
-- key, so event_id idempotency would need a second dedupe table kept in step, and day partitions must
-- exist before any insert (clients send past occurred_at values), which puts DDL on the write path.
-- Instead the table is plain, event_id is UNIQUE (so two replicas inserting the same id at once get
-- exactly one winner: the loser waits on the index entry and then does nothing), and retention deletes
-- whole days in bounded batches through the occurred_at index, off the request path. Both Postgres and
-- PGlite run this unchanged.
--
-- event_id: feedback = the client's id; default reward = 'default:<recommendation>:<item>';
-- impression = 'imp:<recommendation>'.
CREATE TABLE events (
  seq               bigserial PRIMARY KEY,
  event_id          text NOT NULL UNIQUE,
  kind              text NOT NULL CHECK (kind IN ('impression', 'feedback', 'default_reward')),
  occurred_at       timestamptz NOT NULL,
  logged_at         timestamptz NOT NULL DEFAULT now(),
  user_id           text NOT NULL,
  session_id        text,
  item_id           text,
  feedback_type     text,
  recommendation_id text,
  reward            double precision,
  -- impressions: what was shown and how
  model_version     text,
  context           jsonb,
  candidate_count   integer,
  shown_items       jsonb,
  -- the bandit update the event caused, vectors as little-endian float32 bytes (exact, compact)
  update_item_id    text,
  update_reward     double precision,
  update_shared     bytea,
  update_arm        bytea
);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);
CREATE INDEX events_model_updates_idx ON events (seq) WHERE update_shared IS NOT NULL;
CREATE INDEX events_rewards_idx ON events (recommendation_id, item_id) WHERE kind <> 'impression';

-- Saved bandit statistics; the store keeps the newest few.
CREATE TABLE model_snapshots (
  id            bigserial PRIMARY KEY,
  model_version text NOT NULL,
  event_seq     bigint NOT NULL,
  created_at    timestamptz NOT NULL,
  data          bytea NOT NULL
);
