-- Tenant catalog (issue 14). The shipped catalog (metrics, metric_versions) stays global and changes only through the
-- owner role (the CLI) or the operator path of the API; the runtime role keeps SELECT on it. Each tenant's own metrics
-- (new names, or the tenant's own version of a shipped metric) live in the tables below, under forced RLS like every
-- other tenant table, so a tenant admin can never change or read another tenant's definitions or values.

CREATE TABLE tenant_metrics (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    status           text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    current_version  text        NOT NULL,
    replaced_by      text,
    archive_reason   text,
    created_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- Versions are immutable, as in the shipped catalog; the definition is the canonical JSON without lifecycle fields.
CREATE TABLE tenant_metric_versions (
    tenant_id     uuid        NOT NULL,
    metric_name   text        NOT NULL,
    version       text        NOT NULL,
    definition    jsonb       NOT NULL,
    checksum      text        NOT NULL,
    search_text   text        NOT NULL,
    embedding     vector(384),
    embedder_id   text,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, metric_name, version),
    FOREIGN KEY (tenant_id, metric_name) REFERENCES tenant_metrics (tenant_id, name) ON DELETE CASCADE
);

-- Materialized per-sprint (or per-month) values of active tenant metrics, computed after each refresh.
CREATE TABLE tenant_metric_values (
    tenant_id     uuid             NOT NULL,
    metric_name   text             NOT NULL,
    version       text             NOT NULL,
    period_key    text             NOT NULL,
    period_label  text             NOT NULL,
    period_at     timestamptz,
    value         double precision,
    data_version  bigint           NOT NULL,
    PRIMARY KEY (tenant_id, metric_name, period_key),
    FOREIGN KEY (tenant_id, metric_name) REFERENCES tenant_metrics (tenant_id, name) ON DELETE CASCADE
);

-- The last computation of each active tenant metric: ok or failed (with the error), so one failing metric is visible
-- and does not stop the others.
CREATE TABLE tenant_metric_runs (
    tenant_id     uuid        NOT NULL,
    metric_name   text        NOT NULL,
    version       text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('ok', 'failed')),
    error         text,
    row_count     integer     NOT NULL DEFAULT 0,
    duration_ms   integer     NOT NULL DEFAULT 0,
    data_version  bigint      NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, metric_name),
    FOREIGN KEY (tenant_id, metric_name) REFERENCES tenant_metrics (tenant_id, name) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_metrics', 'tenant_metric_versions', 'tenant_metric_values', 'tenant_metric_runs']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_metrics, tenant_metric_versions, tenant_metric_values, tenant_metric_runs TO spiral_app;

-- Two more tenant views that tenant metrics may read (row filters on labels; SQL metrics on sprint goals). Plain views
-- over RLS tables, filtered on the tenant setting like the analytics views (the owner bypasses RLS).
CREATE VIEW issue_labels WITH (security_barrier) AS
SELECT i.key AS issue_key, l.label
FROM issues i CROSS JOIN LATERAL unnest(i.labels) AS l (label)
WHERE i.tenant_id = current_tenant_id();

CREATE VIEW sprint_goals WITH (security_barrier) AS
SELECT s.key AS sprint_key, t.key AS team_key, t.name AS team_name, s.name AS sprint_name, s.state AS sprint_state,
       s.goal, coalesce(s.completed_at, s.end_at) AS sprint_close_at
FROM sprints s JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id
WHERE s.tenant_id = current_tenant_id();

GRANT SELECT ON issue_labels, sprint_goals TO spiral_app;
