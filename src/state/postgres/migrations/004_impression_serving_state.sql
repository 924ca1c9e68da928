-- What own-log evaluation needs to recompute any policy's choice probabilities for an impression
-- exactly (docs/evaluation.md, "The service's own logs"): the candidates as ranked, and the state they
-- were scored with. NULL on impressions logged before this migration (they evaluate approximately).
--
-- candidate_ids: item ids in scoring order, a reference to the catalog (ids, not indices: indices
--   differ between replicas and catalog loads).
-- session_vector, long_term_vector: s and l, little-endian float32 (NULL = no session / no profile).
-- candidate_signals: φ's item signals, SIGNAL_COUNT float32 per candidate in candidate order; they
--   depend on catalog popularity at that moment, which the log cannot rebuild.
-- rules: the request's business rules as JSON, when it had any.
ALTER TABLE events ADD COLUMN candidate_ids text[];
ALTER TABLE events ADD COLUMN session_vector bytea;
ALTER TABLE events ADD COLUMN long_term_vector bytea;
ALTER TABLE events ADD COLUMN candidate_signals bytea;
ALTER TABLE events ADD COLUMN rules jsonb;
