-- Which event log handle (one per server process) wrote each model update, so a replica catching up
-- from the log can skip the updates it applied itself. Update-carrying writes set `recs.writer` for
-- their transaction (see postgres-event-log.ts); other rows get NULL. A stable default: no rewrite.
ALTER TABLE events ADD COLUMN writer text DEFAULT nullif(current_setting('recs.writer', true), '');
