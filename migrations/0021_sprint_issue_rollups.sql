-- Issue 16, item 3: the per-sprint values of issue-grain metrics (z-scores, the problem score) at scale.
--
-- A metric's value per sprint (QueryBuilder.SprintValueCtes) places issue_flow and issue_events rows in each sprint's
-- (start, close] of its team: over all time that was 10,000 index range scans of each view (~400k rows apiece) per answer.
-- mv_sprint_issue_rollups holds, per sprint, what those rows sum to — measures, not metric values, so whatever catalog
-- version of a metric is in force (shipped, pinned, a tenant's own) is still computed by the query builder from them, and a
-- definition they cannot answer (a tenant term with a row filter, a measure placed by created_at) reads issue_flow /
-- issue_events as before (QueryBuilder.SourceView, AnalyticsView.SprintRollupFor):
--   - the issues of the sprint's team resolved in (start, close]: how many rows (flow_rows), the sum of every issue_flow
--     column a Sum measure placed by resolved_at reads, and the sum, number and sorted list of the non-null lead and cycle
--     times (their mean is sum / number, as avg() divides them; a percentile is taken over the list unnested: the same values);
--   - the events of the sprint's team in (start, close]: how many rows (event_rows) and the distinct issues reopened and
--     arriving in done — the sprint is the window, so count(DISTINCT issue_key) is a number per sprint.
-- The views issue_flow_resolved_sprints and issue_events_sprints show a sprint only when it has such rows (as the per-sprint
-- read over issue_flow / issue_events gives a sprint without rows no value). Filled from mv_issue_flow and mv_issue_events
-- (refreshed before it in the same transaction) by analytics_sprint_issue_rollups_rows(tenants, sprints): keyed by sprint; a
-- partial refresh rewrites the sprints that changed and every sprint of the teams whose issues changed (RefreshScope).

CREATE FUNCTION analytics_sprint_issue_rollups_rows(p_tenants uuid[], p_sprints bigint[])
RETURNS TABLE (tenant_id uuid, sprint_id bigint, sprint_key text, team_key text, team_name text,
               flow_rows bigint, resolved_count bigint, resolved_comment_count bigint, in_progress_hours numeric,
               unblocked_in_progress_hours numeric, lead_time_days_sum numeric, lead_time_days_count bigint,
               cycle_time_days_sum numeric, cycle_time_days_count bigint, lead_time_days_values numeric[],
               cycle_time_days_values numeric[],
               event_rows bigint, reopened_issues bigint, done_arrival_issues bigint)
LANGUAGE sql STABLE
AS $$
SELECT s.tenant_id, s.id, s.key, t.key, t.name,
       f.flow_rows, f.resolved_count, f.resolved_comment_count, f.in_progress_hours, f.unblocked_in_progress_hours,
       f.lead_time_days_sum, f.lead_time_days_count, f.cycle_time_days_sum, f.cycle_time_days_count, f.lead_time_days_values,
       f.cycle_time_days_values,
       e.event_rows, e.reopened_issues, e.done_arrival_issues
FROM sprints s
JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id
CROSS JOIN LATERAL (
    SELECT count(*) AS flow_rows, sum(f.resolved_count) AS resolved_count, sum(f.resolved_comment_count) AS resolved_comment_count,
           sum(f.in_progress_hours) AS in_progress_hours, sum(f.unblocked_in_progress_hours) AS unblocked_in_progress_hours,
           coalesce(sum(f.lead_time_days), 0) AS lead_time_days_sum, count(f.lead_time_days) AS lead_time_days_count,
           coalesce(sum(f.cycle_time_days), 0) AS cycle_time_days_sum, count(f.cycle_time_days) AS cycle_time_days_count,
           array_agg(f.lead_time_days ORDER BY f.lead_time_days) FILTER (WHERE f.lead_time_days IS NOT NULL) AS lead_time_days_values,
           array_agg(f.cycle_time_days ORDER BY f.cycle_time_days) FILTER (WHERE f.cycle_time_days IS NOT NULL) AS cycle_time_days_values
    FROM mv_issue_flow f
    WHERE f.tenant_id = s.tenant_id AND f.team_key = t.key
      AND f.resolved_at > s.start_at AND f.resolved_at <= coalesce(s.completed_at, s.end_at)
) f
CROSS JOIN LATERAL (
    SELECT count(*) AS event_rows,
           count(DISTINCT e.issue_key) FILTER (WHERE e.is_reopen = 1) AS reopened_issues,
           count(DISTINCT e.issue_key) FILTER (WHERE e.is_done_arrival = 1) AS done_arrival_issues
    FROM mv_issue_events e
    WHERE e.tenant_id = s.tenant_id AND e.team_key = t.key
      AND e.at > s.start_at AND e.at <= coalesce(s.completed_at, s.end_at)
) e
WHERE p_sprints IS NULL OR (s.tenant_id = ANY (p_tenants) AND s.id = ANY (p_sprints))
$$;
CREATE TABLE mv_sprint_issue_rollups AS SELECT * FROM analytics_sprint_issue_rollups_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_sprint_issue_rollups_key ON mv_sprint_issue_rollups (tenant_id, sprint_id);
CREATE INDEX mv_sprint_issue_rollups_sprint ON mv_sprint_issue_rollups (tenant_id, sprint_key);
ANALYZE mv_sprint_issue_rollups;

CREATE VIEW issue_flow_resolved_sprints WITH (security_barrier) AS
SELECT sprint_key, team_key, team_name, resolved_count, resolved_comment_count, in_progress_hours, unblocked_in_progress_hours,
       lead_time_days_sum, lead_time_days_count, cycle_time_days_sum, cycle_time_days_count, lead_time_days_values,
       cycle_time_days_values
FROM mv_sprint_issue_rollups WHERE tenant_id = current_tenant_id() AND flow_rows > 0;

-- under the names of the measures' 0/1 columns (is_reopen, is_done_arrival): per sprint, the distinct issues they count
CREATE VIEW issue_events_sprints WITH (security_barrier) AS
SELECT sprint_key, team_key, team_name, reopened_issues AS is_reopen, done_arrival_issues AS is_done_arrival
FROM mv_sprint_issue_rollups WHERE tenant_id = current_tenant_id() AND event_rows > 0;

REVOKE ALL ON mv_sprint_issue_rollups FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_sprint_issue_rollups_rows(uuid[], bigint[]) FROM PUBLIC;
GRANT SELECT ON issue_flow_resolved_sprints, issue_events_sprints TO spiral_app;

-- Stored per-sprint z-scores of composites' components: for each tenant and each composite in force when the refresh ran
-- (the problem score), every sprint's value, baseline, baseline size and z of each component, computed by the query builder's
-- own statement for those component definitions (ZScoreSql.Stored: the CTEs an answer computes them with, over all sprints)
-- and stored under a hash of that statement and its parameters (the definition key; metric = the component). An answer reads
-- them only when the tenant's store lists the key it needs (sprint_z_definitions; metric there = the composite); any other
-- definition (a new or pinned version of a component, a tenant's own imported after the refresh) has another key and is
-- computed at query time. Written by the refresh in its transaction (SprintZStore): the rows of every tenant it touched are
-- deleted and computed again, so they are never older than the analytics tables they come from.
CREATE TABLE mv_sprint_z (
    tenant_id  uuid    NOT NULL,
    definition text    NOT NULL,
    sprint_key text    NOT NULL,
    metric     text    NOT NULL,
    value      numeric,
    baseline   numeric,
    n          int,
    z          float8,
    PRIMARY KEY (tenant_id, definition, sprint_key, metric)
);

CREATE TABLE analytics_z_definitions (
    tenant_id  uuid NOT NULL,
    definition text NOT NULL,
    metric     text NOT NULL,
    version    text NOT NULL,
    row_count  int  NOT NULL,
    PRIMARY KEY (tenant_id, definition)
);

CREATE VIEW sprint_z WITH (security_barrier) AS
SELECT definition, sprint_key, metric, value, baseline, n, z FROM mv_sprint_z WHERE tenant_id = current_tenant_id();

CREATE VIEW sprint_z_definitions WITH (security_barrier) AS
SELECT definition, metric, version, row_count FROM analytics_z_definitions WHERE tenant_id = current_tenant_id();

REVOKE ALL ON mv_sprint_z, analytics_z_definitions FROM PUBLIC;
GRANT SELECT ON sprint_z, sprint_z_definitions TO spiral_app;
