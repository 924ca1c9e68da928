-- Surfaces (RecommendRequest.surface): each has its own model, snapshots and settings. Append-only like
-- every migration: never edit once released.
--
-- events.surface: the surface of an impression, and of a model update (the surface of the
--   recommendation it answers; DeleteUser's removal rows copy it). NULL on rows logged before this
--   migration, read as 'default'.
-- model_snapshots.surface: whose statistics a snapshot holds; older rows were the one model, 'default'.
-- surface_settings: each surface's policy settings as versioned, append-only records that every replica
--   follows (id orders them for the followers; version counts per surface from 1).
-- events.rolled_back: a model update that `recs rollback --model` took back (its removal row follows it
--   in the log, like DeleteUser's); a later DeleteUser of its user then appends no second removal.
ALTER TABLE events ADD COLUMN surface text;
ALTER TABLE events ADD COLUMN rolled_back boolean NOT NULL DEFAULT false;
ALTER TABLE model_snapshots ADD COLUMN surface text NOT NULL DEFAULT 'default';
CREATE INDEX model_snapshots_surface_idx ON model_snapshots (surface, id);
CREATE TABLE surface_settings (
  id         bigserial PRIMARY KEY,
  surface    text NOT NULL,
  version    integer NOT NULL,
  settings   jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  reason     text NOT NULL DEFAULT '',
  author     text NOT NULL DEFAULT '',
  forced     boolean NOT NULL DEFAULT false,
  UNIQUE (surface, version)
);
