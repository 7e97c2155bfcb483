-- Foundation schema: tenants and their Jira data, the metric catalog, jobs and cache.
-- Runs as the owner role. The runtime role (spiral_app) reads and writes tenant rows
-- only through row-level security on app.tenant_id; it owns nothing and cannot bypass RLS.

CREATE EXTENSION IF NOT EXISTS vector;

-- The tenant the current transaction acts for; NULL (no rows) when none was set.
CREATE FUNCTION current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Resolves a tenant's slug for the runtime role, which cannot list tenants.
CREATE FUNCTION tenant_id_for_slug(p_slug text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT id FROM tenants WHERE slug = p_slug $$;

CREATE TABLE teams (
    tenant_id  uuid   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    key        text   NOT NULL,
    name       text   NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key)
);

CREATE TABLE sprints (
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            bigint      GENERATED ALWAYS AS IDENTITY,
    key           text        NOT NULL,
    team_id       bigint      NOT NULL,
    name          text        NOT NULL,
    state         text        NOT NULL CHECK (state IN ('future', 'active', 'closed')),
    start_at      timestamptz,
    end_at        timestamptz,
    completed_at  timestamptz,
    goal          text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sprints_team_dates ON sprints (tenant_id, team_id, start_at, end_at, completed_at);

CREATE TABLE issues (
    tenant_id        uuid          NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               bigint        GENERATED ALWAYS AS IDENTITY,
    key              text          NOT NULL,
    team_id          bigint,
    type             text          NOT NULL,
    priority         text,
    status           text,
    status_category  text          NOT NULL CHECK (status_category IN ('todo', 'in_progress', 'done')),
    resolution       text,
    story_points     numeric,
    assignee         text,
    epic_key         text,
    labels           text[]        NOT NULL DEFAULT '{}',
    created_at       timestamptz,
    resolved_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX issues_team_created ON issues (tenant_id, team_id, created_at);
CREATE INDEX issues_team_resolved ON issues (tenant_id, team_id, resolved_at);

-- One row per membership of an issue in a sprint: removed and added back = two rows.
CREATE TABLE sprint_issues (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sprint_id        bigint      NOT NULL,
    issue_id         bigint      NOT NULL,
    added_at         timestamptz,
    removed_at       timestamptz,
    committed        boolean,
    outcome          text        CHECK (outcome IN ('completed', 'not_completed', 'removed', 'completed_elsewhere')),
    points_at_start  numeric,
    points_at_end    numeric,
    UNIQUE NULLS NOT DISTINCT (tenant_id, sprint_id, issue_id, added_at),
    FOREIGN KEY (tenant_id, sprint_id) REFERENCES sprints (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, issue_id) REFERENCES issues (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sprint_issues_issue ON sprint_issues (tenant_id, issue_id);

CREATE TABLE issue_transitions (
    tenant_id      uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    issue_id       bigint      NOT NULL,
    at             timestamptz NOT NULL,
    from_status    text,
    to_status      text        NOT NULL,
    from_category  text        CHECK (from_category IN ('todo', 'in_progress', 'done')),
    to_category    text        NOT NULL CHECK (to_category IN ('todo', 'in_progress', 'done')),
    UNIQUE (tenant_id, issue_id, at, to_status),
    FOREIGN KEY (tenant_id, issue_id) REFERENCES issues (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE issue_blocks (
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    issue_id      bigint      NOT NULL,
    blocked_from  timestamptz NOT NULL,
    blocked_to    timestamptz,
    UNIQUE (tenant_id, issue_id, blocked_from),
    CHECK (blocked_to IS NULL OR blocked_to >= blocked_from),
    FOREIGN KEY (tenant_id, issue_id) REFERENCES issues (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE comments (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    issue_id    bigint      NOT NULL,
    author      text,
    created_at  timestamptz NOT NULL,
    UNIQUE NULLS NOT DISTINCT (tenant_id, issue_id, created_at, author),
    FOREIGN KEY (tenant_id, issue_id) REFERENCES issues (tenant_id, id) ON DELETE CASCADE
);

-- The metric catalog is shared by all tenants; only the owner changes it.
CREATE TABLE metrics (
    name                text        PRIMARY KEY,
    category            text        NOT NULL,
    status              text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deprecated')),
    current_version     text        NOT NULL,
    replaced_by         text        REFERENCES metrics (name),
    deprecation_reason  text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metric_versions (
    metric_name   text        NOT NULL REFERENCES metrics (name) ON DELETE CASCADE,
    version       text        NOT NULL,
    definition    jsonb       NOT NULL,
    checksum      text        NOT NULL,
    search_text   text        NOT NULL,
    embedding     vector(384),
    embedder_id   text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric_name, version)
);
CREATE INDEX metric_versions_embedding ON metric_versions USING hnsw (embedding vector_cosine_ops);

-- Every question asked: the job's state and the audit log of what ran.
CREATE TABLE analytics_jobs (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id          text,
    conversation_id  uuid,
    question         text,
    translator       text,
    spec             jsonb,
    sql              text,
    metric_versions  jsonb,
    status           text        NOT NULL DEFAULT 'queued' CHECK (status IN (
                        'queued', 'translating', 'validating', 'planning', 'executing',
                        'completed', 'clarification', 'failed', 'cancelled')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    stage_durations  jsonb       NOT NULL DEFAULT '{}',
    cache_hit        boolean,
    result           jsonb,
    error            text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);
CREATE INDEX analytics_jobs_conversation ON analytics_jobs (tenant_id, conversation_id, created_at);

CREATE TABLE analytics_cache (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    cache_key   text        NOT NULL,
    payload     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cache_key)
);

-- Row-level security: enabled and forced on every tenant table, one policy each.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'teams', 'sprints', 'issues', 'sprint_issues', 'issue_transitions',
                             'issue_blocks', 'comments', 'analytics_jobs', 'analytics_cache']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (%I = current_tenant_id()) WITH CHECK (%I = current_tenant_id())',
                       t, CASE WHEN t = 'tenants' THEN 'id' ELSE 'tenant_id' END,
                       CASE WHEN t = 'tenants' THEN 'id' ELSE 'tenant_id' END);
    END LOOP;
END $$;

-- The runtime role: data access only, never DDL, never another tenant's rows.
GRANT USAGE ON SCHEMA public TO spiral_app;
GRANT SELECT ON tenants TO spiral_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON teams, sprints, issues, sprint_issues, issue_transitions,
      issue_blocks, comments, analytics_jobs, analytics_cache TO spiral_app;
GRANT SELECT ON metrics, metric_versions TO spiral_app;
GRANT EXECUTE ON FUNCTION current_tenant_id(), tenant_id_for_slug(text) TO spiral_app;
