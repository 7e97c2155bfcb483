-- Jira connector: when each board of each tenant was last synced. The time is taken when a sync starts and written
-- in the same transaction as the data it loaded, so it only moves forward when the whole sync committed; the next
-- sync asks Jira for issues `updated >=` it (less an overlap).

CREATE TABLE jira_sync_state (
    tenant_id         uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    site              text        NOT NULL,
    board_id          bigint      NOT NULL,
    team_key          text        NOT NULL,
    last_sync_at      timestamptz NOT NULL,
    last_finished_at  timestamptz NOT NULL,
    last_issue_count  integer     NOT NULL,
    PRIMARY KEY (tenant_id, site, board_id)
);

ALTER TABLE jira_sync_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE jira_sync_state FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jira_sync_state
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON jira_sync_state TO spiral_app;
