-- HTTP API (issue 8): thumbs up/down on answers. One rating per user and job (rating again replaces it), stored
-- with the job it rates; the composite key ties the job to the same tenant, and RLS keeps tenants apart as everywhere.

CREATE TABLE analytics_feedback (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    job_id      uuid        NOT NULL,
    user_id     text        NOT NULL,
    rating      text        NOT NULL CHECK (rating IN ('up', 'down')),
    comment     text        CHECK (length(comment) <= 4000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, job_id, user_id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES analytics_jobs (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE analytics_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON analytics_feedback
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON analytics_feedback TO spiral_app;
