-- Issue 16, item 3: issue-grain metrics fast at scale.
--
-- 1. mv_issue_flow_months: per team and UTC month, the sums of every issue_flow column a Sum measure reads, in two parts —
--    basis 'c': the issues created in that month (the measures placed by created_at), basis 'r': the issues resolved in it (the
--    measures placed by resolved_at); a NULL month holds the issues without that time. Read through the views
--    issue_flow_created_months and issue_flow_resolved_months, whose time column (created_at / resolved_at) is the month's
--    first instant: a sum over the months of a window whose bounds are month starts (or over all time) is the sum over its
--    issues. The resolved part also holds, for each issue value placed by resolved_at (lead and cycle time), the sum, the
--    number and the list (sorted) of its non-null values: their mean over whole months is sum / number, as avg() computes it,
--    and a percentile is taken over the months' lists unnested — the same values, ~4,600 narrow rows instead of ~395,000
--    wide ones. The query builder reads them only then (QueryBuilder.SourceView, AnalyticsView.TimeGrain); one row per team and
--    month instead of one per issue (4,610 rows for 395,321 issues in the 10,000-sprint bench).
--    Filled from mv_issue_flow (refreshed before it in the same transaction) by analytics_issue_flow_months_rows, keyed by team
--    (the refresh rewrites the teams of the changed issues, before and after; team 0 = the issues without a team).
-- 2. mv_issue_events_months: per team, UTC month of the event, kind (reopen / done arrival) and UTC month of the same issue's
--    previous event of that kind (NULL: its first), the number of events. An issue counts once in a window for a kind when one of
--    its events of that kind is in the window, i.e. for its first event there: the one whose previous event (of the kind) is
--    before the window. With month bounds, "before the window" is "previous month < the window's first month", so the count of
--    distinct issues of issue_events (reopened issues, done arrivals) over whole months, by team, month or quarter, is a sum
--    over these rows (the view issue_events_months; QueryBuilder renders it). Keyed by team like mv_issue_flow_months.
-- 3. Covering indexes for the per-sprint values (z-scores, the problem score): each sprint's issues by team and time are read
--    from the index alone (10,000 range scans each; with a heap fetch per row they were most of the all-time problem score).

CREATE FUNCTION analytics_issue_flow_months_rows(p_tenants uuid[], p_teams bigint[])
RETURNS TABLE (tenant_id uuid, team_id bigint, basis char, month timestamptz, team_key text, team_name text,
               created_count bigint, bug_count bigint, escaped_bug_count bigint, resolved_count bigint,
               resolved_comment_count bigint, in_progress_hours numeric, unblocked_in_progress_hours numeric,
               lead_time_days_sum numeric, lead_time_days_count bigint, cycle_time_days_sum numeric, cycle_time_days_count bigint,
               lead_time_days_values numeric[], cycle_time_days_values numeric[])
LANGUAGE sql STABLE
AS $$
WITH f AS (
    SELECT f.tenant_id, coalesce(t.id, 0) AS team_id, f.team_key, f.team_name, f.created_at, f.resolved_at, f.created_count,
           f.bug_count, f.escaped_bug_count, f.resolved_count, f.resolved_comment_count, f.in_progress_hours,
           f.unblocked_in_progress_hours, f.lead_time_days, f.cycle_time_days
    FROM mv_issue_flow f
    LEFT JOIN teams t ON t.tenant_id = f.tenant_id AND t.key = f.team_key
    WHERE p_teams IS NULL
       OR (f.tenant_id = ANY (p_tenants)
           -- (the teams' keys first, an index look-up; then exactly the asked teams: keys repeat across tenants)
           AND (f.team_key = ANY (ARRAY(SELECT k.key FROM teams k WHERE k.tenant_id = ANY (p_tenants) AND k.id = ANY (p_teams)))
                OR (f.team_key IS NULL AND 0 = ANY (p_teams)))
           AND coalesce(t.id, 0) = ANY (p_teams))
)
SELECT f.tenant_id, f.team_id, 'c'::char, date_trunc('month', f.created_at, 'UTC'), min(f.team_key), min(f.team_name),
       sum(f.created_count), sum(f.bug_count), sum(f.escaped_bug_count), 0::bigint, 0::bigint, 0::numeric, 0::numeric,
       0::numeric, 0::bigint, 0::numeric, 0::bigint, NULL::numeric[], NULL::numeric[]
FROM f
GROUP BY f.tenant_id, f.team_id, date_trunc('month', f.created_at, 'UTC')
UNION ALL
SELECT f.tenant_id, f.team_id, 'r'::char, date_trunc('month', f.resolved_at, 'UTC'), min(f.team_key), min(f.team_name),
       0::bigint, 0::bigint, 0::bigint, sum(f.resolved_count), sum(f.resolved_comment_count), sum(f.in_progress_hours),
       sum(f.unblocked_in_progress_hours), coalesce(sum(f.lead_time_days), 0), count(f.lead_time_days),
       coalesce(sum(f.cycle_time_days), 0), count(f.cycle_time_days),
       array_agg(f.lead_time_days ORDER BY f.lead_time_days) FILTER (WHERE f.lead_time_days IS NOT NULL),
       array_agg(f.cycle_time_days ORDER BY f.cycle_time_days) FILTER (WHERE f.cycle_time_days IS NOT NULL)
FROM f
GROUP BY f.tenant_id, f.team_id, date_trunc('month', f.resolved_at, 'UTC')
$$;
CREATE TABLE mv_issue_flow_months AS SELECT * FROM analytics_issue_flow_months_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_issue_flow_months_key ON mv_issue_flow_months (tenant_id, team_id, basis, month) NULLS NOT DISTINCT;
CREATE INDEX mv_issue_flow_months_month ON mv_issue_flow_months (tenant_id, basis, month);
ANALYZE mv_issue_flow_months;

CREATE VIEW issue_flow_created_months WITH (security_barrier) AS
SELECT team_key, team_name, month AS created_at, created_count, bug_count, escaped_bug_count
FROM mv_issue_flow_months WHERE tenant_id = current_tenant_id() AND basis = 'c';

CREATE VIEW issue_flow_resolved_months WITH (security_barrier) AS
SELECT team_key, team_name, month AS resolved_at, resolved_count, resolved_comment_count, in_progress_hours,
       unblocked_in_progress_hours, lead_time_days_sum, lead_time_days_count, cycle_time_days_sum, cycle_time_days_count,
       lead_time_days_values, cycle_time_days_values
FROM mv_issue_flow_months WHERE tenant_id = current_tenant_id() AND basis = 'r';

CREATE FUNCTION analytics_issue_events_months_rows(p_tenants uuid[], p_teams bigint[])
RETURNS TABLE (tenant_id uuid, team_id bigint, month timestamptz, is_reopen int, previous_month timestamptz, team_key text,
               team_name text, is_done_arrival int, events bigint)
LANGUAGE sql STABLE
AS $$
WITH e AS (
    SELECT e.tenant_id, coalesce(t.id, 0) AS team_id, e.team_key, e.team_name, e.is_reopen, e.is_done_arrival,
           date_trunc('month', e.at, 'UTC') AS month,
           date_trunc('month', lag(e.at) OVER (PARTITION BY e.tenant_id, e.issue_id, e.is_reopen ORDER BY e.at, e.to_status), 'UTC')
               AS previous_month
    FROM mv_issue_events e
    LEFT JOIN teams t ON t.tenant_id = e.tenant_id AND t.key = e.team_key
    WHERE p_teams IS NULL
       OR (e.tenant_id = ANY (p_tenants)
           AND (e.team_key = ANY (ARRAY(SELECT k.key FROM teams k WHERE k.tenant_id = ANY (p_tenants) AND k.id = ANY (p_teams)))
                OR (e.team_key IS NULL AND 0 = ANY (p_teams)))
           AND coalesce(t.id, 0) = ANY (p_teams))
)
SELECT e.tenant_id, e.team_id, e.month, e.is_reopen, e.previous_month, min(e.team_key), min(e.team_name), min(e.is_done_arrival),
       count(*)
FROM e
GROUP BY e.tenant_id, e.team_id, e.month, e.is_reopen, e.previous_month
$$;
CREATE TABLE mv_issue_events_months AS SELECT * FROM analytics_issue_events_months_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_issue_events_months_key ON mv_issue_events_months (tenant_id, team_id, month, is_reopen, previous_month)
    NULLS NOT DISTINCT;
CREATE INDEX mv_issue_events_months_month ON mv_issue_events_months (tenant_id, month);
ANALYZE mv_issue_events_months;

CREATE VIEW issue_events_months WITH (security_barrier) AS
SELECT team_key, team_name, month AS at, previous_month AS previous_at, is_reopen, is_done_arrival, events
FROM mv_issue_events_months WHERE tenant_id = current_tenant_id();

REVOKE ALL ON mv_issue_flow_months, mv_issue_events_months FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_issue_flow_months_rows(uuid[], bigint[]), analytics_issue_events_months_rows(uuid[], bigint[]) FROM PUBLIC;
GRANT SELECT ON issue_flow_created_months, issue_flow_resolved_months, issue_events_months TO spiral_app;

-- The per-sprint values read each sprint's issues of its team in (start, close]: from the index alone.
DROP INDEX mv_issue_flow_team_resolved;
CREATE INDEX mv_issue_flow_team_resolved ON mv_issue_flow (tenant_id, team_key, resolved_at)
    INCLUDE (team_name, resolved_count, resolved_comment_count, lead_time_days, cycle_time_days, in_progress_hours,
             unblocked_in_progress_hours);
DROP INDEX mv_issue_events_team_at;
CREATE INDEX mv_issue_events_team_at ON mv_issue_events (tenant_id, team_key, at)
    INCLUDE (team_name, issue_key, is_reopen, is_done_arrival);
