-- Issue 16, item 4: a refresh whose cost follows what changed. The analytics views of 0002/0017 become tables of the same
-- names and columns, each filled by one SQL function that holds its SELECT (the one definition of its rows): called with
-- NULL keys it yields every row (the full rebuild), called with a set of keys (tenants + issue / sprint / team ids) it yields
-- the rows of those keys only (the partial refresh, which deletes and re-inserts them in one transaction: readers see the
-- old or the new rows and never wait). The texts below are those of 0002/0017 with two changes: now() is the parameter
-- p_as_of (the instant the refresh computes "still open" against, recorded in analytics_refreshes.as_of), and each has its
-- key filter. The tenant-filtered security_barrier views keep their names and columns.
--
-- What changed is recorded by statement triggers on the base tables (every writer: bundle import, Jira sync, demo seed, SQL)
-- into analytics_changes, which the refresher consumes (AnalyticsRefresher documents how a key spreads to the rows that
-- depend on it). Kinds: 'i' issue (its row, transitions, blocks or comments), 'm' issue whose sprint memberships changed,
-- 's' sprint (its row or its memberships), 'q' team whose sprint sequence changed (a sprint added, deleted, moved or
-- re-dated), 't' team row (a full refresh).

DROP MATERIALIZED VIEW mv_issue_idle_segments, mv_team_daily_wip, mv_sprint_stats, mv_sprint_issue_facts, mv_issue_events,
    mv_issue_flow, mv_issue_comment_stats, mv_merged_blocks CASCADE;
DROP VIEW analytics_status_intervals;

-- The same rows as 0002's: the last sprint is looked up only for an issue without a team of its own (the condition inside the
-- lateral is a one-time filter per issue; as the join's condition it was checked after the look-up, for every issue).
CREATE OR REPLACE VIEW analytics_issue_base AS
SELECT i.tenant_id, i.id AS issue_id, i.key AS issue_key, i.type AS issue_type, i.priority, i.assignee, i.epic_key, i.labels,
       i.status_category, i.story_points, i.created_at, i.resolved_at AS resolved_at_given,
       coalesce(i.team_id, last_sprint.team_id) AS team_id
FROM issues i
LEFT JOIN LATERAL (
    SELECT s.team_id FROM sprint_issues si JOIN sprints s ON s.tenant_id = si.tenant_id AND s.id = si.sprint_id
    WHERE i.team_id IS NULL AND si.tenant_id = i.tenant_id AND si.issue_id = i.id
    ORDER BY coalesce(s.completed_at, s.end_at) DESC NULLS LAST, s.id DESC LIMIT 1
) last_sprint ON true;

ALTER TABLE analytics_refreshes
    ADD COLUMN as_of timestamptz,
    ADD COLUMN mode  text CHECK (mode IN ('full', 'partial'));

-- Status intervals (0002's view), for the given issues, or the issues of the given teams (their team as analytics_issue_base
-- says), or (both NULL) all; the view keeps its name for owner SQL.
CREATE FUNCTION analytics_status_intervals_rows(p_tenants uuid[], p_issues bigint[], p_teams bigint[])
RETURNS TABLE (tenant_id uuid, issue_id bigint, category text, t_from timestamptz, t_to timestamptz)
LANGUAGE sql STABLE
AS $$
WITH t AS (
    SELECT x.tenant_id, x.issue_id, x.at, x.to_status, x.from_category, x.to_category,
           row_number() OVER w AS n, lead(x.at) OVER w AS next_at
    FROM issue_transitions x
    WHERE (p_issues IS NULL OR (x.tenant_id = ANY (p_tenants) AND x.issue_id = ANY (p_issues)))
      AND (p_teams IS NULL OR EXISTS (SELECT 1 FROM analytics_issue_base b
                                      WHERE b.tenant_id = x.tenant_id AND b.issue_id = x.issue_id
                                        AND b.tenant_id = ANY (p_tenants) AND b.team_id = ANY (p_teams)))
    WINDOW w AS (PARTITION BY x.tenant_id, x.issue_id ORDER BY x.at, x.to_status)
)
SELECT t.tenant_id, t.issue_id, coalesce(t.from_category, 'todo') AS category, i.created_at AS t_from, t.at AS t_to
FROM t JOIN issues i ON i.tenant_id = t.tenant_id AND i.id = t.issue_id
WHERE t.n = 1 AND i.created_at IS NOT NULL AND i.created_at < t.at
UNION ALL
SELECT t.tenant_id, t.issue_id, t.to_category, t.at, t.next_at FROM t
$$;
CREATE VIEW analytics_status_intervals AS SELECT * FROM analytics_status_intervals_rows(NULL, NULL, NULL);

CREATE FUNCTION analytics_merged_blocks_rows(p_tenants uuid[], p_issues bigint[])
RETURNS TABLE (tenant_id uuid, issue_id bigint, blocked_from timestamptz, blocked_to timestamptz)
LANGUAGE sql STABLE
AS $$
WITH b AS (
    SELECT x.tenant_id, x.issue_id, x.blocked_from, coalesce(x.blocked_to, 'infinity') AS blocked_to,
           max(coalesce(x.blocked_to, 'infinity')) OVER (PARTITION BY x.tenant_id, x.issue_id ORDER BY x.blocked_from
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM issue_blocks x
    WHERE p_issues IS NULL OR (x.tenant_id = ANY (p_tenants) AND x.issue_id = ANY (p_issues))
), g AS (
    SELECT *, count(*) FILTER (WHERE reach IS NULL OR b.blocked_from > reach)
                  OVER (PARTITION BY b.tenant_id, b.issue_id ORDER BY b.blocked_from) AS island
    FROM b
)
SELECT g.tenant_id, g.issue_id, min(g.blocked_from) AS blocked_from, max(g.blocked_to) AS blocked_to
FROM g GROUP BY g.tenant_id, g.issue_id, g.island
$$;
CREATE TABLE mv_merged_blocks AS SELECT * FROM analytics_merged_blocks_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_merged_blocks_key ON mv_merged_blocks (tenant_id, issue_id, blocked_from);
CREATE INDEX mv_merged_blocks_open ON mv_merged_blocks (tenant_id, issue_id) WHERE blocked_to = 'infinity';
ANALYZE mv_merged_blocks;

CREATE FUNCTION analytics_issue_comment_stats_rows(p_tenants uuid[], p_issues bigint[])
RETURNS TABLE (tenant_id uuid, issue_id bigint, comment_count int, commenter_count int, first_comment_at timestamptz,
               last_comment_at timestamptz)
LANGUAGE sql STABLE
AS $$
SELECT c.tenant_id, c.issue_id, count(*)::int AS comment_count, count(DISTINCT c.author)::int AS commenter_count,
       min(c.created_at) AS first_comment_at, max(c.created_at) AS last_comment_at
FROM comments c
WHERE p_issues IS NULL OR (c.tenant_id = ANY (p_tenants) AND c.issue_id = ANY (p_issues))
GROUP BY c.tenant_id, c.issue_id
$$;
CREATE TABLE mv_issue_comment_stats AS SELECT * FROM analytics_issue_comment_stats_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_issue_comment_stats_key ON mv_issue_comment_stats (tenant_id, issue_id);
ANALYZE mv_issue_comment_stats;

CREATE FUNCTION analytics_issue_flow_rows(p_tenants uuid[], p_issues bigint[], p_as_of timestamptz)
RETURNS TABLE (tenant_id uuid, issue_id bigint, team_key text, team_name text, issue_key text, issue_type text, priority text,
               assignee text, epic_key text, status_category text, created_at timestamptz, resolved_at timestamptz,
               created_count int, bug_count int, escaped_bug_count int, resolved_count int, comment_count int,
               resolved_comment_count int, lead_time_days numeric, cycle_time_days numeric, in_progress_hours numeric,
               unblocked_in_progress_hours numeric, blocked_hours numeric, reopen_count bigint)
LANGUAGE sql STABLE
AS $$
WITH moves AS (
    SELECT x.tenant_id, x.issue_id,
           max(x.at) FILTER (WHERE x.to_category = 'done') AS last_done_at,
           count(*) FILTER (WHERE x.from_category = 'done' AND x.to_category <> 'done') AS reopen_count
    FROM issue_transitions x
    WHERE p_issues IS NULL OR (x.tenant_id = ANY (p_tenants) AND x.issue_id = ANY (p_issues))
    GROUP BY x.tenant_id, x.issue_id
), progress AS (
    SELECT s.tenant_id, s.issue_id,
           sum(extract(epoch FROM coalesce(s.t_to, p_as_of) - s.t_from)) / 3600 AS in_progress_hours,
           sum(coalesce(overlap.hours, 0)) AS blocked_in_progress_hours
    FROM analytics_status_intervals_rows(p_tenants, p_issues, NULL) s
    LEFT JOIN LATERAL (
        SELECT sum(extract(epoch FROM least(b.blocked_to, coalesce(s.t_to, p_as_of)) - greatest(b.blocked_from, s.t_from))) / 3600 AS hours
        FROM mv_merged_blocks b
        WHERE b.tenant_id = s.tenant_id AND b.issue_id = s.issue_id
          AND b.blocked_from < coalesce(s.t_to, p_as_of) AND b.blocked_to > s.t_from
    ) overlap ON true
    WHERE s.category = 'in_progress'
    GROUP BY s.tenant_id, s.issue_id
), blocked AS (
    SELECT b.tenant_id, b.issue_id, sum(extract(epoch FROM least(b.blocked_to, p_as_of) - b.blocked_from)) / 3600 AS hours
    FROM mv_merged_blocks b
    WHERE p_issues IS NULL OR (b.tenant_id = ANY (p_tenants) AND b.issue_id = ANY (p_issues))
    GROUP BY b.tenant_id, b.issue_id
), flow AS (
    SELECT i.*, tm.key AS team_key, tm.name AS team_name,
           CASE WHEN i.status_category = 'done' THEN coalesce(mv.last_done_at, i.resolved_at_given) END AS resolved_at,
           coalesce(mv.reopen_count, 0) AS reopen_count,
           p.in_progress_hours, p.blocked_in_progress_hours,
           coalesce(bl.hours, 0) AS blocked_hours,
           coalesce(cs.comment_count, 0) AS comment_count
    FROM analytics_issue_base i
    LEFT JOIN teams tm ON tm.tenant_id = i.tenant_id AND tm.id = i.team_id
    LEFT JOIN moves mv ON mv.tenant_id = i.tenant_id AND mv.issue_id = i.issue_id
    LEFT JOIN progress p ON p.tenant_id = i.tenant_id AND p.issue_id = i.issue_id
    LEFT JOIN blocked bl ON bl.tenant_id = i.tenant_id AND bl.issue_id = i.issue_id
    LEFT JOIN mv_issue_comment_stats cs ON cs.tenant_id = i.tenant_id AND cs.issue_id = i.issue_id
    WHERE p_issues IS NULL OR (i.tenant_id = ANY (p_tenants) AND i.issue_id = ANY (p_issues))
)
SELECT f.tenant_id, f.issue_id, f.team_key, f.team_name, f.issue_key, f.issue_type, f.priority, f.assignee, f.epic_key,
       f.status_category, f.created_at, f.resolved_at,
       CASE WHEN f.created_at IS NOT NULL THEN 1 ELSE 0 END AS created_count,
       CASE WHEN lower(f.issue_type) = 'bug' THEN 1 ELSE 0 END AS bug_count,
       CASE WHEN lower(f.issue_type) = 'bug' AND EXISTS (
                SELECT 1 FROM unnest(f.labels) l WHERE lower(l) IN ('production', 'escaped', 'customer')) THEN 1 ELSE 0 END AS escaped_bug_count,
       CASE WHEN f.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved_count,
       f.comment_count,
       CASE WHEN f.resolved_at IS NOT NULL THEN f.comment_count ELSE 0 END AS resolved_comment_count,
       extract(epoch FROM f.resolved_at - f.created_at) / 86400 AS lead_time_days,
       CASE WHEN f.resolved_at IS NOT NULL AND f.in_progress_hours > 0 THEN f.in_progress_hours / 24 END AS cycle_time_days,
       CASE WHEN f.resolved_at IS NOT NULL THEN coalesce(f.in_progress_hours, 0) ELSE 0 END AS in_progress_hours,
       CASE WHEN f.resolved_at IS NOT NULL THEN coalesce(f.in_progress_hours, 0) - coalesce(f.blocked_in_progress_hours, 0) ELSE 0 END
           AS unblocked_in_progress_hours,
       f.blocked_hours,
       f.reopen_count
FROM flow f
$$;
CREATE TABLE mv_issue_flow AS SELECT * FROM analytics_issue_flow_rows(NULL, NULL, now());
CREATE UNIQUE INDEX mv_issue_flow_key ON mv_issue_flow (tenant_id, issue_id);
ANALYZE mv_issue_flow;
CREATE INDEX mv_issue_flow_created ON mv_issue_flow (tenant_id, created_at);
CREATE INDEX mv_issue_flow_resolved ON mv_issue_flow (tenant_id, resolved_at);
CREATE INDEX mv_issue_flow_team_resolved ON mv_issue_flow (tenant_id, team_key, resolved_at);

CREATE FUNCTION analytics_issue_events_rows(p_tenants uuid[], p_issues bigint[])
RETURNS TABLE (tenant_id uuid, issue_id bigint, at timestamptz, to_status text, team_key text, team_name text, issue_key text,
               issue_type text, priority text, assignee text, epic_key text, from_category text, to_category text,
               is_reopen int, is_done_arrival int)
LANGUAGE sql STABLE
AS $$
SELECT x.tenant_id, x.issue_id, x.at, x.to_status, tm.key AS team_key, tm.name AS team_name, i.issue_key, i.issue_type,
       i.priority, i.assignee, i.epic_key, x.from_category, x.to_category,
       CASE WHEN x.from_category = 'done' AND x.to_category <> 'done' THEN 1 ELSE 0 END AS is_reopen,
       CASE WHEN x.to_category = 'done' AND x.from_category IS DISTINCT FROM 'done' THEN 1 ELSE 0 END AS is_done_arrival
FROM issue_transitions x
JOIN analytics_issue_base i ON i.tenant_id = x.tenant_id AND i.issue_id = x.issue_id
LEFT JOIN teams tm ON tm.tenant_id = i.tenant_id AND tm.id = i.team_id
WHERE ((x.from_category = 'done' AND x.to_category <> 'done') OR (x.to_category = 'done' AND x.from_category IS DISTINCT FROM 'done'))
  AND (p_issues IS NULL OR (x.tenant_id = ANY (p_tenants) AND x.issue_id = ANY (p_issues)))
$$;
CREATE TABLE mv_issue_events AS SELECT * FROM analytics_issue_events_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_issue_events_key ON mv_issue_events (tenant_id, issue_id, at, to_status);
ANALYZE mv_issue_events;
CREATE INDEX mv_issue_events_at ON mv_issue_events (tenant_id, at);
CREATE INDEX mv_issue_events_team_at ON mv_issue_events (tenant_id, team_key, at);

-- Sprint × issue grain for the given sprints (every row of each), or (NULL) all. A sprint's rows read every membership of its
-- issues (their last sprint, carried over from the team's previous sprint), so those are what the filter keeps.
CREATE FUNCTION analytics_sprint_issue_facts_rows(p_tenants uuid[], p_sprints bigint[], p_as_of timestamptz)
RETURNS TABLE (tenant_id uuid, sprint_id bigint, issue_id bigint, team_key text, team_name text, sprint_key text,
               sprint_name text, sprint_state text, sprint_start_at timestamptz, sprint_close_at timestamptz, issue_key text,
               issue_type text, priority text, assignee text, epic_key text, outcome text, committed boolean, low_sample boolean,
               committed_points numeric, committed_count int, committed_unestimated_count int, completed_points numeric,
               completed_count int, committed_completed_points numeric, spilled_points numeric, spilled_count int,
               not_completed_count int, removed_points numeric, removed_count int, added_points numeric, added_count int,
               reestimated_points numeric, final_scope_points numeric, unplanned_completed_points numeric,
               carried_over_points numeric, completed_bug_count int, scope_count int, blocked_count int, blocked_hours numeric)
LANGUAGE sql STABLE
AS $$
-- A linear pipeline (no joins between intermediate results) so the plan stays linear whatever the estimates.
WITH w AS (
    SELECT s.tenant_id, s.id AS sprint_id, s.key AS sprint_key, s.name AS sprint_name, s.state AS sprint_state, s.team_id,
           s.start_at, coalesce(s.completed_at, s.end_at) AS close_at,
           lag(s.id) OVER (PARTITION BY s.tenant_id, s.team_id ORDER BY coalesce(s.completed_at, s.end_at) NULLS LAST, s.id) AS previous_sprint_id
    FROM sprints s
    WHERE p_sprints IS NULL OR s.tenant_id = ANY (p_tenants)
), m AS (
    SELECT si.tenant_id, si.sprint_id, si.issue_id, si.added_at, si.removed_at, si.outcome, w.team_id, w.start_at, w.close_at,
           w.previous_sprint_id,
           coalesce(si.committed, si.added_at IS NULL OR w.start_at IS NULL OR si.added_at <= w.start_at) AS is_committed,
           coalesce(si.points_at_start, i.story_points) AS p0_given,
           coalesce(si.points_at_start, i.story_points, 0) AS p0,
           coalesce(si.points_at_end, i.story_points, 0) AS p1
    FROM sprint_issues si
    JOIN w ON w.tenant_id = si.tenant_id AND w.sprint_id = si.sprint_id
    JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
    WHERE lower(i.type) NOT IN ('sub-task', 'subtask', 'epic')
      -- (an array, not IN: under the OR a sub-select is a filter over every membership; the array is an index look-up)
      AND (p_sprints IS NULL OR (si.tenant_id = ANY (p_tenants) AND si.issue_id = ANY (ARRAY(
              SELECT y.issue_id FROM sprint_issues y WHERE y.tenant_id = ANY (p_tenants) AND y.sprint_id = ANY (p_sprints)))))
), per_issue AS (
    -- every membership row of a sprint × issue carries the aggregates of all of them; the last one is kept
    SELECT m.*,
           row_number() OVER memberships AS recency,
           bool_or(is_committed) OVER memberships AS any_committed,
           max(p0) FILTER (WHERE is_committed) OVER memberships AS committed_p0,
           bool_or(is_committed AND p0_given IS NULL) OVER memberships AS committed_unestimated,
           coalesce(sum(p1) FILTER (WHERE NOT is_committed AND added_at > start_at AND added_at <= close_at) OVER memberships, 0) AS added_points,
           count(*) FILTER (WHERE NOT is_committed AND added_at > start_at AND added_at <= close_at) OVER memberships AS added_count,
           -- a removal followed by a re-add still removed scope (research #12); the last membership is judged below
           coalesce(sum(p1) FILTER (WHERE removed_at <= close_at) OVER earlier_memberships, 0) AS earlier_removed_points,
           first_value(m.sprint_id) OVER (PARTITION BY m.tenant_id, m.issue_id ORDER BY m.close_at DESC NULLS LAST, m.sprint_id DESC) AS issue_last_sprint_id
    FROM m
    WINDOW memberships AS (PARTITION BY m.tenant_id, m.sprint_id, m.issue_id ORDER BY m.added_at DESC NULLS LAST
                           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
           earlier_memberships AS (PARTITION BY m.tenant_id, m.sprint_id, m.issue_id ORDER BY m.added_at DESC NULLS LAST
                                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), judged AS (
    SELECT l.*, coalesce(l.outcome,
        CASE WHEN l.removed_at IS NOT NULL AND l.removed_at <= l.close_at THEN 'removed'
             WHEN at_start.category = 'done' THEN 'completed_elsewhere'
             WHEN at_close.category = 'done' THEN 'completed'
             -- done, but nothing says when: completed in the last sprint it was in
             WHEN at_close.category IS NULL THEN CASE WHEN l.issue_last_sprint_id = l.sprint_id THEN 'completed' ELSE 'not_completed' END
             ELSE 'not_completed' END) AS judged_outcome
    FROM per_issue l
    LEFT JOIN LATERAL (SELECT analytics_category_at(l.tenant_id, l.issue_id, l.start_at) AS category) at_start ON l.start_at IS NOT NULL
    LEFT JOIN LATERAL (SELECT analytics_category_at(l.tenant_id, l.issue_id, least(l.close_at, p_as_of)) AS category) at_close ON true
    WHERE l.recency = 1
), facts AS (
    SELECT j.tenant_id, j.sprint_id, j.issue_id, j.judged_outcome AS outcome, j.p1, j.start_at, j.close_at,
           j.any_committed AND j.judged_outcome <> 'completed_elsewhere' AS committed,
           coalesce(j.committed_p0, 0) AS committed_p0, j.committed_unestimated, j.added_points, j.added_count, j.earlier_removed_points,
           -- carried over: unfinished in the team's sprint just before this one
           lag(j.sprint_id) OVER issue_in_team = j.previous_sprint_id
               AND lag(j.judged_outcome) OVER issue_in_team = 'not_completed' AS carried_over
    FROM judged j
    WINDOW issue_in_team AS (PARTITION BY j.tenant_id, j.issue_id, j.team_id ORDER BY j.close_at NULLS LAST, j.sprint_id)
), result AS (
    SELECT f.tenant_id, f.sprint_id, f.issue_id,
           tm.key AS team_key, tm.name AS team_name, sp.key AS sprint_key, sp.name AS sprint_name, sp.state AS sprint_state,
           f.start_at AS sprint_start_at, f.close_at AS sprint_close_at,
           i.key AS issue_key, i.type AS issue_type, i.priority, i.assignee, i.epic_key,
           f.outcome, f.committed,
           sum(CASE WHEN f.committed THEN 1 ELSE 0 END) OVER (PARTITION BY f.tenant_id, f.sprint_id) < 3 AS low_sample,
           CASE WHEN f.committed THEN f.committed_p0 ELSE 0 END AS committed_points,
           CASE WHEN f.committed THEN 1 ELSE 0 END AS committed_count,
           CASE WHEN f.committed AND f.committed_unestimated THEN 1 ELSE 0 END AS committed_unestimated_count,
           CASE WHEN f.outcome = 'completed' THEN f.p1 ELSE 0 END AS completed_points,
           CASE WHEN f.outcome = 'completed' THEN 1 ELSE 0 END AS completed_count,
           CASE WHEN f.committed AND f.outcome = 'completed' THEN f.committed_p0 ELSE 0 END AS committed_completed_points,
           CASE WHEN f.committed AND f.outcome = 'not_completed' THEN f.committed_p0 ELSE 0 END AS spilled_points,
           CASE WHEN f.committed AND f.outcome = 'not_completed' THEN 1 ELSE 0 END AS spilled_count,
           CASE WHEN f.outcome = 'not_completed' THEN 1 ELSE 0 END AS not_completed_count,
           CASE WHEN f.outcome = 'removed' THEN f.p1 ELSE 0 END + f.earlier_removed_points AS removed_points,
           CASE WHEN f.outcome = 'removed' THEN 1 ELSE 0 END AS removed_count,
           f.added_points,
           f.added_count::int AS added_count,
           CASE WHEN f.committed AND f.outcome <> 'removed' THEN abs(f.p1 - f.committed_p0) ELSE 0 END AS reestimated_points,
           CASE WHEN f.outcome IN ('completed', 'not_completed') THEN f.p1 ELSE 0 END AS final_scope_points,
           CASE WHEN f.outcome = 'completed' AND NOT f.committed THEN f.p1 ELSE 0 END AS unplanned_completed_points,
           CASE WHEN f.committed AND f.carried_over THEN f.committed_p0 ELSE 0 END AS carried_over_points,
           CASE WHEN f.outcome = 'completed' AND lower(i.type) = 'bug' THEN 1 ELSE 0 END AS completed_bug_count,
           CASE WHEN f.outcome <> 'completed_elsewhere' THEN 1 ELSE 0 END AS scope_count,
           CASE WHEN f.outcome <> 'completed_elsewhere' AND coalesce(blk.hours, 0) > 0 THEN 1 ELSE 0 END AS blocked_count,
           CASE WHEN f.outcome <> 'completed_elsewhere' THEN coalesce(blk.hours, 0) ELSE 0 END AS blocked_hours
    FROM facts f
    JOIN sprints sp ON sp.tenant_id = f.tenant_id AND sp.id = f.sprint_id
    JOIN teams tm ON tm.tenant_id = sp.tenant_id AND tm.id = sp.team_id
    JOIN issues i ON i.tenant_id = f.tenant_id AND i.id = f.issue_id
    LEFT JOIN LATERAL (
        SELECT sum(extract(epoch FROM least(b.blocked_to, f.close_at, p_as_of) - greatest(b.blocked_from, f.start_at))) / 3600 AS hours
        FROM mv_merged_blocks b
        WHERE b.tenant_id = f.tenant_id AND b.issue_id = f.issue_id
          AND b.blocked_from < least(f.close_at, p_as_of) AND b.blocked_to > f.start_at
    ) blk ON f.start_at IS NOT NULL AND f.close_at IS NOT NULL
    WHERE p_sprints IS NULL OR f.sprint_id = ANY (p_sprints)
)
SELECT * FROM result
$$;
CREATE TABLE mv_sprint_issue_facts AS SELECT * FROM analytics_sprint_issue_facts_rows(NULL, NULL, now());
CREATE UNIQUE INDEX mv_sprint_issue_facts_key ON mv_sprint_issue_facts (tenant_id, sprint_id, issue_id);
ANALYZE mv_sprint_issue_facts;
CREATE INDEX mv_sprint_issue_facts_close ON mv_sprint_issue_facts (tenant_id, sprint_close_at);
CREATE INDEX mv_sprint_issue_facts_sprint ON mv_sprint_issue_facts (tenant_id, sprint_key);

CREATE FUNCTION analytics_sprint_stats_rows(p_tenants uuid[], p_sprints bigint[])
RETURNS TABLE (tenant_id uuid, sprint_id bigint, team_id bigint, team_key text, team_name text, sprint_key text, sprint_name text,
               sprint_state text, sprint_start_at timestamptz, sprint_close_at timestamptz, low_sample boolean,
               committed_points numeric, committed_count bigint, committed_unestimated_count bigint, completed_points numeric,
               completed_count bigint, committed_completed_points numeric, spilled_points numeric, spilled_count bigint,
               not_completed_count bigint, removed_points numeric, removed_count bigint, added_points numeric, added_count bigint,
               reestimated_points numeric, final_scope_points numeric, unplanned_completed_points numeric,
               carried_over_points numeric, completed_bug_count bigint, scope_count bigint, blocked_count bigint,
               blocked_hours numeric, planning_error_points numeric)
LANGUAGE sql STABLE
AS $$
SELECT f.tenant_id, f.sprint_id, sp.team_id, min(f.team_key) AS team_key, min(f.team_name) AS team_name,
       min(f.sprint_key) AS sprint_key, min(f.sprint_name) AS sprint_name, min(f.sprint_state) AS sprint_state,
       min(f.sprint_start_at) AS sprint_start_at, min(f.sprint_close_at) AS sprint_close_at, bool_or(f.low_sample) AS low_sample,
       sum(f.committed_points) AS committed_points, sum(f.committed_count) AS committed_count,
       sum(f.committed_unestimated_count) AS committed_unestimated_count,
       sum(f.completed_points) AS completed_points, sum(f.completed_count) AS completed_count,
       sum(f.committed_completed_points) AS committed_completed_points,
       sum(f.spilled_points) AS spilled_points, sum(f.spilled_count) AS spilled_count, sum(f.not_completed_count) AS not_completed_count,
       sum(f.removed_points) AS removed_points, sum(f.removed_count) AS removed_count,
       sum(f.added_points) AS added_points, sum(f.added_count) AS added_count, sum(f.reestimated_points) AS reestimated_points,
       sum(f.final_scope_points) AS final_scope_points, sum(f.unplanned_completed_points) AS unplanned_completed_points,
       sum(f.carried_over_points) AS carried_over_points, sum(f.completed_bug_count) AS completed_bug_count,
       sum(f.scope_count) AS scope_count, sum(f.blocked_count) AS blocked_count, sum(f.blocked_hours) AS blocked_hours,
       -- the planning error is a sprint-level quantity (|committed − completed| of the sprint, not a sum over its issues)
       abs(sum(f.committed_points) - sum(f.completed_points)) AS planning_error_points
FROM mv_sprint_issue_facts f
JOIN sprints sp ON sp.tenant_id = f.tenant_id AND sp.id = f.sprint_id
WHERE p_sprints IS NULL OR (f.tenant_id = ANY (p_tenants) AND f.sprint_id = ANY (p_sprints))
GROUP BY f.tenant_id, f.sprint_id, sp.team_id
$$;
CREATE TABLE mv_sprint_stats AS SELECT * FROM analytics_sprint_stats_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_sprint_stats_key ON mv_sprint_stats (tenant_id, sprint_id);
CREATE INDEX mv_sprint_stats_close ON mv_sprint_stats (tenant_id, sprint_close_at);
CREATE INDEX mv_sprint_stats_sprint ON mv_sprint_stats (tenant_id, sprint_key);
CREATE INDEX mv_sprint_stats_team_close ON mv_sprint_stats (tenant_id, team_key, sprint_close_at);
ANALYZE mv_sprint_stats;

-- Team × day for the given teams (all their days), or (NULL) all.
CREATE FUNCTION analytics_team_daily_wip_rows(p_tenants uuid[], p_teams bigint[], p_as_of timestamptz)
RETURNS TABLE (tenant_id uuid, team_id bigint, team_key text, team_name text, day timestamptz, wip_count int)
LANGUAGE sql STABLE
AS $$
WITH spans AS (
    SELECT s.tenant_id, i.team_id, date_trunc('day', s.t_from, 'UTC') AS d_from, date_trunc('day', coalesce(s.t_to, p_as_of), 'UTC') AS d_to
    FROM analytics_status_intervals_rows(p_tenants, NULL, p_teams) s
    JOIN analytics_issue_base i ON i.tenant_id = s.tenant_id AND i.issue_id = s.issue_id
    WHERE s.category = 'in_progress' AND i.team_id IS NOT NULL
), delta AS (
    SELECT x.tenant_id, x.team_id, x.day, sum(x.change) AS change
    FROM (SELECT sp.tenant_id, sp.team_id, sp.d_from AS day, 1 AS change FROM spans sp
          UNION ALL
          SELECT sp.tenant_id, sp.team_id, sp.d_to, -1 FROM spans sp) x
    GROUP BY x.tenant_id, x.team_id, x.day
), bounds AS (
    -- through today, so a team whose work is all finished still has its days without WIP
    SELECT d.tenant_id, d.team_id, min(d.day) AS first_day, greatest(max(d.day), date_trunc('day', p_as_of, 'UTC')) AS last_day
    FROM delta d GROUP BY d.tenant_id, d.team_id
), days AS (
    SELECT b.tenant_id, b.team_id, b.first_day + n * interval '24 hours' AS day
    FROM bounds b CROSS JOIN LATERAL generate_series(0, (extract(epoch FROM b.last_day - b.first_day) / 86400)::int) n
)
SELECT d.tenant_id, d.team_id, tm.key AS team_key, tm.name AS team_name, d.day,
       (sum(coalesce(x.change, 0)) OVER (PARTITION BY d.tenant_id, d.team_id ORDER BY d.day))::int AS wip_count
FROM days d
JOIN teams tm ON tm.tenant_id = d.tenant_id AND tm.id = d.team_id
LEFT JOIN delta x ON x.tenant_id = d.tenant_id AND x.team_id = d.team_id AND x.day = d.day
$$;
CREATE TABLE mv_team_daily_wip AS SELECT * FROM analytics_team_daily_wip_rows(NULL, NULL, now());
CREATE UNIQUE INDEX mv_team_daily_wip_key ON mv_team_daily_wip (tenant_id, team_id, day);
ANALYZE mv_team_daily_wip;
CREATE INDEX mv_team_daily_wip_team_day ON mv_team_daily_wip (tenant_id, team_key, day);

CREATE FUNCTION analytics_issue_idle_segments_rows(p_tenants uuid[], p_issues bigint[])
RETURNS TABLE (tenant_id uuid, issue_id bigint, segment bigint, team_key text, team_name text, issue_key text, issue_type text,
               priority text, assignee text, epic_key text, idle_from timestamptz, idle_to timestamptz, is_stuck_candidate int,
               is_unassigned int)
LANGUAGE sql STABLE
AS $$
WITH spans AS (
    SELECT s.tenant_id, s.issue_id, s.t_from, s.t_to FROM analytics_status_intervals_rows(p_tenants, p_issues, NULL) s
    WHERE s.category = 'in_progress'
), points AS (
    SELECT sp.tenant_id, sp.issue_id, sp.t_from, sp.t_to, sp.t_from AS at FROM spans sp
    UNION
    SELECT sp.tenant_id, sp.issue_id, sp.t_from, sp.t_to, c.created_at
    FROM spans sp JOIN comments c ON c.tenant_id = sp.tenant_id AND c.issue_id = sp.issue_id
     AND c.created_at > sp.t_from AND (sp.t_to IS NULL OR c.created_at < sp.t_to)
), segments AS (
    SELECT p.tenant_id, p.issue_id, p.at AS idle_from,
           coalesce(lead(p.at) OVER (PARTITION BY p.tenant_id, p.issue_id, p.t_from ORDER BY p.at), p.t_to) AS idle_to,
           row_number() OVER (PARTITION BY p.tenant_id, p.issue_id ORDER BY p.at, p.t_from) AS segment
    FROM points p
)
SELECT sg.tenant_id, sg.issue_id, sg.segment, tm.key AS team_key, tm.name AS team_name, i.issue_key, i.issue_type, i.priority,
       i.assignee, i.epic_key, sg.idle_from, sg.idle_to,
       1 AS is_stuck_candidate,
       CASE WHEN i.assignee IS NULL THEN 1 ELSE 0 END AS is_unassigned
FROM segments sg
JOIN analytics_issue_base i ON i.tenant_id = sg.tenant_id AND i.issue_id = sg.issue_id
LEFT JOIN teams tm ON tm.tenant_id = i.tenant_id AND tm.id = i.team_id
$$;
CREATE TABLE mv_issue_idle_segments AS SELECT * FROM analytics_issue_idle_segments_rows(NULL, NULL);
CREATE UNIQUE INDEX mv_issue_idle_segments_key ON mv_issue_idle_segments (tenant_id, issue_id, segment);
CREATE INDEX mv_issue_idle_segments_open ON mv_issue_idle_segments (tenant_id, issue_id) WHERE idle_to IS NULL;
ANALYZE mv_issue_idle_segments;
CREATE INDEX mv_issue_idle_segments_span ON mv_issue_idle_segments (tenant_id, idle_from);

-- The tenant-filtered views, as 0002 and 0017 defined them.
CREATE VIEW sprint_issue_facts WITH (security_barrier) AS
SELECT team_key, team_name, sprint_key, sprint_name, sprint_state, sprint_start_at, sprint_close_at, issue_key, issue_type,
       priority, assignee, epic_key, outcome, committed, low_sample, committed_points, committed_count, committed_unestimated_count,
       completed_points, completed_count, committed_completed_points, spilled_points, spilled_count, not_completed_count,
       removed_points, removed_count, added_points, added_count, reestimated_points, final_scope_points,
       unplanned_completed_points, carried_over_points, completed_bug_count, scope_count, blocked_count, blocked_hours
FROM mv_sprint_issue_facts WHERE tenant_id = current_tenant_id();

CREATE VIEW sprint_stats WITH (security_barrier) AS
SELECT team_key, team_name, sprint_key, sprint_name, sprint_state, sprint_start_at, sprint_close_at, low_sample,
       committed_points, committed_count, committed_unestimated_count, completed_points, completed_count,
       committed_completed_points, spilled_points, spilled_count, not_completed_count, removed_points, removed_count,
       added_points, added_count, reestimated_points, final_scope_points, unplanned_completed_points, carried_over_points,
       completed_bug_count, scope_count, blocked_count, blocked_hours, planning_error_points
FROM mv_sprint_stats WHERE tenant_id = current_tenant_id();

CREATE VIEW issue_flow WITH (security_barrier) AS
SELECT team_key, team_name, issue_key, issue_type, priority, assignee, epic_key, status_category, created_at, resolved_at,
       created_count, bug_count, escaped_bug_count, resolved_count, comment_count, resolved_comment_count, lead_time_days,
       cycle_time_days, in_progress_hours, unblocked_in_progress_hours, blocked_hours, reopen_count
FROM mv_issue_flow WHERE tenant_id = current_tenant_id();

CREATE VIEW issue_events WITH (security_barrier) AS
SELECT team_key, team_name, issue_key, issue_type, priority, assignee, epic_key, at, from_category, to_category,
       is_reopen, is_done_arrival
FROM mv_issue_events WHERE tenant_id = current_tenant_id();

CREATE VIEW team_daily_wip WITH (security_barrier) AS
SELECT team_key, team_name, day, wip_count FROM mv_team_daily_wip WHERE tenant_id = current_tenant_id();

CREATE VIEW issue_idle_segments WITH (security_barrier) AS
SELECT team_key, team_name, issue_key, issue_type, priority, assignee, epic_key, idle_from, idle_to, is_stuck_candidate,
       is_unassigned
FROM mv_issue_idle_segments WHERE tenant_id = current_tenant_id();

CREATE VIEW issue_comment_stats WITH (security_barrier) AS
SELECT i.key AS issue_key, c.comment_count, c.commenter_count, c.first_comment_at, c.last_comment_at
FROM mv_issue_comment_stats c JOIN issues i ON i.tenant_id = c.tenant_id AND i.id = c.issue_id
WHERE c.tenant_id = current_tenant_id();

REVOKE ALL ON mv_issue_comment_stats, mv_issue_flow, mv_issue_events, mv_sprint_issue_facts, mv_sprint_stats,
              mv_team_daily_wip, mv_issue_idle_segments, mv_merged_blocks, analytics_status_intervals
         FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_status_intervals_rows(uuid[], bigint[], bigint[]),
    analytics_merged_blocks_rows(uuid[], bigint[]), analytics_issue_comment_stats_rows(uuid[], bigint[]),
    analytics_issue_flow_rows(uuid[], bigint[], timestamptz), analytics_issue_events_rows(uuid[], bigint[]),
    analytics_sprint_issue_facts_rows(uuid[], bigint[], timestamptz), analytics_sprint_stats_rows(uuid[], bigint[]),
    analytics_team_daily_wip_rows(uuid[], bigint[], timestamptz), analytics_issue_idle_segments_rows(uuid[], bigint[])
    FROM PUBLIC;
GRANT SELECT ON sprint_issue_facts, sprint_stats, issue_flow, issue_events, team_daily_wip, issue_idle_segments,
                issue_comment_stats TO spiral_app;

-- What changed since the refresh that last consumed it (owner only; written by the triggers below as the owner).
CREATE TABLE analytics_changes (
    tenant_id  uuid   NOT NULL,
    kind       char   NOT NULL CHECK (kind IN ('i', 'm', 's', 'q', 't')),
    id         bigint NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
REVOKE ALL ON analytics_changes FROM PUBLIC;

-- One function per base table, fired once per statement with its transition table (changes, not rows, are what it costs).
CREATE FUNCTION analytics_track_teams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 't', r.id FROM new_rows r ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 't', r.id FROM old_rows r ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_track_sprints() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 's', r.id FROM new_rows r ON CONFLICT DO NOTHING;
        -- the team's sequence of sprints (previous sprint, an issue's last sprint) moves only with the team or the dates
        INSERT INTO analytics_changes
        SELECT DISTINCT x.tenant_id, 'q', x.team_id
        FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.tenant_id, n.team_id), (o.tenant_id, o.team_id)) x (tenant_id, team_id)
        WHERE (n.team_id, n.start_at, n.end_at, n.completed_at) IS DISTINCT FROM (o.team_id, o.start_at, o.end_at, o.completed_at)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 's', r.id FROM new_rows r ON CONFLICT DO NOTHING;
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'q', r.team_id FROM new_rows r ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 's', r.id FROM old_rows r ON CONFLICT DO NOTHING;
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'q', r.team_id FROM old_rows r ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_track_issues() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'i', r.id FROM new_rows r ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'i', r.id FROM old_rows r ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_track_sprint_issues() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 's', r.sprint_id FROM new_rows r ON CONFLICT DO NOTHING;
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'm', r.issue_id FROM new_rows r ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 's', r.sprint_id FROM old_rows r ON CONFLICT DO NOTHING;
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'm', r.issue_id FROM old_rows r ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- issue_transitions, issue_blocks, comments: the issue they belong to
CREATE FUNCTION analytics_track_issue_rows() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'i', r.issue_id FROM new_rows r ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO analytics_changes SELECT DISTINCT r.tenant_id, 'i', r.issue_id FROM old_rows r ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('teams', 'analytics_track_teams'), ('sprints', 'analytics_track_sprints'),
                                   ('issues', 'analytics_track_issues'), ('sprint_issues', 'analytics_track_sprint_issues'),
                                   ('issue_transitions', 'analytics_track_issue_rows'), ('issue_blocks', 'analytics_track_issue_rows'),
                                   ('comments', 'analytics_track_issue_rows')) v (tbl, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t.tbl || '_analytics_inserted', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t.tbl || '_analytics_updated', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t.tbl || '_analytics_deleted', t.tbl, t.fn);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION analytics_track_teams(), analytics_track_sprints(), analytics_track_issues(), analytics_track_sprint_issues(),
    analytics_track_issue_rows() FROM PUBLIC;

-- The rebuild above is a full refresh: recorded as one (a new data version, and the instant it computed against).
INSERT INTO analytics_refreshes (started_at, finished_at, duration_ms, row_counts, as_of, mode)
VALUES (now(), clock_timestamp(), (extract(epoch FROM clock_timestamp() - now()) * 1000)::int, '{}', now(), 'full');
