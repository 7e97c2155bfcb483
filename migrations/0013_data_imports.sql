-- Freshness (issue 15): every CSV bundle import and demo seed of a tenant, written in the same transaction as the data it
-- loaded (so it only exists once the load committed). With analytics_refreshes (the views) and jira_sync_state (each
-- board's last sync) it tells an answer how fresh its data is. A tenant table under forced RLS like every other.

CREATE TABLE data_imports (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           bigint      GENERATED ALWAYS AS IDENTITY,
    source       text        NOT NULL CHECK (source IN ('csv', 'demo')),
    finished_at  timestamptz NOT NULL DEFAULT now(),
    row_count    integer     NOT NULL CHECK (row_count >= 0),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX data_imports_finished ON data_imports (tenant_id, finished_at);

ALTER TABLE data_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON data_imports
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

GRANT SELECT, INSERT ON data_imports TO spiral_app;
