-- Ask pipeline (issue 7): what analytics_jobs needs beyond 0001 to be both the job state and the audit log of what
-- was asked and what ran, and what the durable tier of the answer cache needs to prune itself.

-- The instant the question was answered against (given, or now at ask time), so a retry answers the same question.
ALTER TABLE analytics_jobs ADD COLUMN as_of timestamptz;
-- Set by a cancel request; the running job polls it (a queued job is cancelled at once).
ALTER TABLE analytics_jobs ADD COLUMN cancel_requested_at timestamptz;
-- The translator's clarification (reason and options) and notes (assumptions, fallbacks).
ALTER TABLE analytics_jobs ADD COLUMN clarification jsonb;
ALTER TABLE analytics_jobs ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';
-- How many times a worker started the job (1 + retries of transient failures).
ALTER TABLE analytics_jobs ADD COLUMN attempts integer NOT NULL DEFAULT 0;
-- The data version the answer was computed (or served from cache) at.
ALTER TABLE analytics_jobs ADD COLUMN data_version bigint;

-- Lists of a user's or a conversation's jobs, newest first.
CREATE INDEX analytics_jobs_tenant_created ON analytics_jobs (tenant_id, created_at DESC);

-- A cached answer is only valid for the data version in its key; keeping the version in a column lets a write prune
-- the tenant's entries of older versions instead of letting the table grow with every refresh.
ALTER TABLE analytics_cache ADD COLUMN data_version bigint NOT NULL DEFAULT 0;
CREATE INDEX analytics_cache_version ON analytics_cache (tenant_id, data_version);
