-- Supersedes checksum 1f1e880acf4462ce169cc07501e635e6af613b25fcefe80714aa149a2732c777: until issue 15 this file also
-- built mv_sprint_stats_enriched, which re-implemented 20 sprint metrics, their z-scores (analytics_z) and the problem score
-- with its weights. Those formulas now live only in the catalog; 0017_sprint_stats_sums.sql drops them from databases that
-- applied the earlier text and builds the per-sprint sums that replace them.
-- Analytics views: materialized views that every catalog metric is computed from (see
-- src/SpiralAnalytics.Core/Analytics/AnalyticsModel.cs for the column contract), and the tenant-filtered
-- security_barrier views that are the only thing the runtime role may read of them.
--
-- Conventions (METRICS.md, research section 0): sprint window = start_at .. completed_at (end_at while open);
-- done = status category 'done'; committed = present at start (removed issues stay committed); a removed and
-- re-added issue is judged on its last membership; unestimated = 0 points; sub-tasks and epics are not sprint
-- scope; a given outcome (Jira's sprint report) wins over derivation; division by zero gives NULL; a sprint with
-- fewer than 3 committed issues is low_sample. All day boundaries are UTC.

-- Each refresh is a row; the newest id is the data version that cache keys include.
CREATE TABLE analytics_refreshes (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    duration_ms  integer     NOT NULL,
    row_counts   jsonb       NOT NULL
);
GRANT SELECT ON analytics_refreshes TO spiral_app;

CREATE INDEX issue_transitions_issue_at ON issue_transitions (tenant_id, issue_id, at);
CREATE INDEX issue_blocks_issue ON issue_blocks (tenant_id, issue_id, blocked_from);
CREATE INDEX comments_issue ON comments (tenant_id, issue_id, created_at);

-- Status category of an issue at an instant: from its transitions; without transitions from its current
-- category and resolved_at; NULL when it is done and nothing says since when.
CREATE FUNCTION analytics_category_at(p_tenant uuid, p_issue bigint, p_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM issue_transitions t WHERE t.tenant_id = p_tenant AND t.issue_id = p_issue) THEN coalesce(
            (SELECT t.to_category FROM issue_transitions t
             WHERE t.tenant_id = p_tenant AND t.issue_id = p_issue AND t.at <= p_at ORDER BY t.at DESC, t.to_status DESC LIMIT 1),
            (SELECT coalesce(t.from_category, 'todo') FROM issue_transitions t
             WHERE t.tenant_id = p_tenant AND t.issue_id = p_issue ORDER BY t.at, t.to_status LIMIT 1))
        ELSE (SELECT CASE WHEN i.status_category <> 'done' THEN i.status_category
                          WHEN i.resolved_at IS NULL THEN NULL
                          WHEN i.resolved_at <= p_at THEN 'done'
                          ELSE 'todo' END
              FROM issues i WHERE i.tenant_id = p_tenant AND i.id = p_issue)
    END
$$;

-- Owner-only building blocks (plain views; the runtime role has no grant on them).
CREATE VIEW analytics_issue_base AS
SELECT i.tenant_id, i.id AS issue_id, i.key AS issue_key, i.type AS issue_type, i.priority, i.assignee, i.epic_key, i.labels,
       i.status_category, i.story_points, i.created_at, i.resolved_at AS resolved_at_given,
       coalesce(i.team_id, last_sprint.team_id) AS team_id
FROM issues i
LEFT JOIN LATERAL (
    SELECT s.team_id FROM sprint_issues si JOIN sprints s ON s.tenant_id = si.tenant_id AND s.id = si.sprint_id
    WHERE si.tenant_id = i.tenant_id AND si.issue_id = i.id
    ORDER BY coalesce(s.completed_at, s.end_at) DESC NULLS LAST, s.id DESC LIMIT 1
) last_sprint ON i.team_id IS NULL;

-- Status intervals: the time before the first transition (from created_at) and one interval per transition;
-- t_to NULL = still open.
CREATE VIEW analytics_status_intervals AS
WITH t AS (
    SELECT x.tenant_id, x.issue_id, x.at, x.to_status, x.from_category, x.to_category,
           row_number() OVER w AS n, lead(x.at) OVER w AS next_at
    FROM issue_transitions x
    WINDOW w AS (PARTITION BY x.tenant_id, x.issue_id ORDER BY x.at, x.to_status)
)
SELECT t.tenant_id, t.issue_id, coalesce(t.from_category, 'todo') AS category, i.created_at AS t_from, t.at AS t_to
FROM t JOIN issues i ON i.tenant_id = t.tenant_id AND i.id = t.issue_id
WHERE t.n = 1 AND i.created_at IS NOT NULL AND i.created_at < t.at
UNION ALL
SELECT t.tenant_id, t.issue_id, t.to_category, t.at, t.next_at FROM t;

-- Blocked intervals merged per issue (overlaps counted once); blocked_to 'infinity' = still blocked.
-- Materialized (and refreshed first) so per-sprint and per-interval lookups are index scans.
CREATE MATERIALIZED VIEW mv_merged_blocks AS
WITH b AS (
    SELECT tenant_id, issue_id, blocked_from, coalesce(blocked_to, 'infinity') AS blocked_to,
           max(coalesce(blocked_to, 'infinity')) OVER (PARTITION BY tenant_id, issue_id ORDER BY blocked_from
                                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM issue_blocks
), g AS (
    SELECT *, count(*) FILTER (WHERE reach IS NULL OR blocked_from > reach)
                  OVER (PARTITION BY tenant_id, issue_id ORDER BY blocked_from) AS island
    FROM b
)
SELECT tenant_id, issue_id, min(blocked_from) AS blocked_from, max(blocked_to) AS blocked_to
FROM g GROUP BY tenant_id, issue_id, island;
CREATE UNIQUE INDEX mv_merged_blocks_key ON mv_merged_blocks (tenant_id, issue_id, blocked_from);
ANALYZE mv_merged_blocks;

-- Comments per issue.
CREATE MATERIALIZED VIEW mv_issue_comment_stats AS
SELECT c.tenant_id, c.issue_id, count(*)::int AS comment_count, count(DISTINCT c.author)::int AS commenter_count,
       min(c.created_at) AS first_comment_at, max(c.created_at) AS last_comment_at
FROM comments c
GROUP BY c.tenant_id, c.issue_id;
CREATE UNIQUE INDEX mv_issue_comment_stats_key ON mv_issue_comment_stats (tenant_id, issue_id);
ANALYZE mv_issue_comment_stats;

-- Issue grain: lead time (created → final move to done), cycle time (time in the in-progress category),
-- in-progress hours with and without blocked time (flow efficiency), blocked hours, reopens, comments.
CREATE MATERIALIZED VIEW mv_issue_flow AS
WITH moves AS (
    SELECT tenant_id, issue_id,
           max(at) FILTER (WHERE to_category = 'done') AS last_done_at,
           count(*) FILTER (WHERE from_category = 'done' AND to_category <> 'done') AS reopen_count
    FROM issue_transitions GROUP BY tenant_id, issue_id
), progress AS (
    SELECT s.tenant_id, s.issue_id,
           sum(extract(epoch FROM coalesce(s.t_to, now()) - s.t_from)) / 3600 AS in_progress_hours,
           sum(coalesce(overlap.hours, 0)) AS blocked_in_progress_hours
    FROM analytics_status_intervals s
    LEFT JOIN LATERAL (
        SELECT sum(extract(epoch FROM least(b.blocked_to, coalesce(s.t_to, now())) - greatest(b.blocked_from, s.t_from))) / 3600 AS hours
        FROM mv_merged_blocks b
        WHERE b.tenant_id = s.tenant_id AND b.issue_id = s.issue_id
          AND b.blocked_from < coalesce(s.t_to, now()) AND b.blocked_to > s.t_from
    ) overlap ON true
    WHERE s.category = 'in_progress'
    GROUP BY s.tenant_id, s.issue_id
), blocked AS (
    SELECT tenant_id, issue_id, sum(extract(epoch FROM least(blocked_to, now()) - blocked_from)) / 3600 AS hours
    FROM mv_merged_blocks GROUP BY tenant_id, issue_id
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
)
SELECT tenant_id, issue_id, team_key, team_name, issue_key, issue_type, priority, assignee, epic_key, status_category,
       created_at, resolved_at,
       CASE WHEN created_at IS NOT NULL THEN 1 ELSE 0 END AS created_count,
       CASE WHEN lower(issue_type) = 'bug' THEN 1 ELSE 0 END AS bug_count,
       CASE WHEN lower(issue_type) = 'bug' AND EXISTS (
                SELECT 1 FROM unnest(labels) l WHERE lower(l) IN ('production', 'escaped', 'customer')) THEN 1 ELSE 0 END AS escaped_bug_count,
       CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved_count,
       comment_count,
       CASE WHEN resolved_at IS NOT NULL THEN comment_count ELSE 0 END AS resolved_comment_count,
       extract(epoch FROM resolved_at - created_at) / 86400 AS lead_time_days,
       CASE WHEN resolved_at IS NOT NULL AND in_progress_hours > 0 THEN in_progress_hours / 24 END AS cycle_time_days,
       CASE WHEN resolved_at IS NOT NULL THEN coalesce(in_progress_hours, 0) ELSE 0 END AS in_progress_hours,
       CASE WHEN resolved_at IS NOT NULL THEN coalesce(in_progress_hours, 0) - coalesce(blocked_in_progress_hours, 0) ELSE 0 END
           AS unblocked_in_progress_hours,
       blocked_hours,
       reopen_count
FROM flow;
CREATE UNIQUE INDEX mv_issue_flow_key ON mv_issue_flow (tenant_id, issue_id);
ANALYZE mv_issue_flow;
CREATE INDEX mv_issue_flow_created ON mv_issue_flow (tenant_id, created_at);
CREATE INDEX mv_issue_flow_resolved ON mv_issue_flow (tenant_id, resolved_at);
CREATE INDEX mv_issue_flow_team_resolved ON mv_issue_flow (tenant_id, team_key, resolved_at);

-- Transition grain: arrivals in done and reopens (done → not done).
CREATE MATERIALIZED VIEW mv_issue_events AS
SELECT x.tenant_id, x.issue_id, x.at, x.to_status, tm.key AS team_key, tm.name AS team_name, i.issue_key, i.issue_type,
       i.priority, i.assignee, i.epic_key, x.from_category, x.to_category,
       CASE WHEN x.from_category = 'done' AND x.to_category <> 'done' THEN 1 ELSE 0 END AS is_reopen,
       CASE WHEN x.to_category = 'done' AND x.from_category IS DISTINCT FROM 'done' THEN 1 ELSE 0 END AS is_done_arrival
FROM issue_transitions x
JOIN analytics_issue_base i ON i.tenant_id = x.tenant_id AND i.issue_id = x.issue_id
LEFT JOIN teams tm ON tm.tenant_id = i.tenant_id AND tm.id = i.team_id
WHERE (x.from_category = 'done' AND x.to_category <> 'done') OR (x.to_category = 'done' AND x.from_category IS DISTINCT FROM 'done');
CREATE UNIQUE INDEX mv_issue_events_key ON mv_issue_events (tenant_id, issue_id, at, to_status);
ANALYZE mv_issue_events;
CREATE INDEX mv_issue_events_at ON mv_issue_events (tenant_id, at);
CREATE INDEX mv_issue_events_team_at ON mv_issue_events (tenant_id, team_key, at);

-- Sprint × issue grain: one row per issue in a sprint (its last membership), every measure already 0 where
-- it does not apply, so any slice is a ratio of sums.
CREATE MATERIALIZED VIEW mv_sprint_issue_facts AS
-- A linear pipeline (no joins between intermediate results) so the plan stays linear whatever the estimates.
WITH w AS (
    SELECT s.tenant_id, s.id AS sprint_id, s.key AS sprint_key, s.name AS sprint_name, s.state AS sprint_state, s.team_id,
           s.start_at, coalesce(s.completed_at, s.end_at) AS close_at,
           lag(s.id) OVER (PARTITION BY s.tenant_id, s.team_id ORDER BY coalesce(s.completed_at, s.end_at) NULLS LAST, s.id) AS previous_sprint_id
    FROM sprints s
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
           first_value(sprint_id) OVER (PARTITION BY tenant_id, issue_id ORDER BY close_at DESC NULLS LAST, sprint_id DESC) AS issue_last_sprint_id
    FROM m
    WINDOW memberships AS (PARTITION BY tenant_id, sprint_id, issue_id ORDER BY added_at DESC NULLS LAST
                           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
           earlier_memberships AS (PARTITION BY tenant_id, sprint_id, issue_id ORDER BY added_at DESC NULLS LAST
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
    LEFT JOIN LATERAL (SELECT analytics_category_at(l.tenant_id, l.issue_id, least(l.close_at, now())) AS category) at_close ON true
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
)
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
    SELECT sum(extract(epoch FROM least(b.blocked_to, f.close_at, now()) - greatest(b.blocked_from, f.start_at))) / 3600 AS hours
    FROM mv_merged_blocks b
    WHERE b.tenant_id = f.tenant_id AND b.issue_id = f.issue_id
      AND b.blocked_from < least(f.close_at, now()) AND b.blocked_to > f.start_at
) blk ON f.start_at IS NOT NULL AND f.close_at IS NOT NULL;
CREATE UNIQUE INDEX mv_sprint_issue_facts_key ON mv_sprint_issue_facts (tenant_id, sprint_id, issue_id);
ANALYZE mv_sprint_issue_facts;
CREATE INDEX mv_sprint_issue_facts_close ON mv_sprint_issue_facts (tenant_id, sprint_close_at);

-- Team × day: issues in the in-progress category at the end of each day (UTC), days without WIP as 0.
CREATE MATERIALIZED VIEW mv_team_daily_wip AS
WITH spans AS (
    SELECT s.tenant_id, i.team_id, date_trunc('day', s.t_from, 'UTC') AS d_from, date_trunc('day', coalesce(s.t_to, now()), 'UTC') AS d_to
    FROM analytics_status_intervals s
    JOIN analytics_issue_base i ON i.tenant_id = s.tenant_id AND i.issue_id = s.issue_id
    WHERE s.category = 'in_progress' AND i.team_id IS NOT NULL
), delta AS (
    SELECT tenant_id, team_id, day, sum(change) AS change
    FROM (SELECT tenant_id, team_id, d_from AS day, 1 AS change FROM spans
          UNION ALL
          SELECT tenant_id, team_id, d_to, -1 FROM spans) x
    GROUP BY tenant_id, team_id, day
), bounds AS (
    -- through today, so a team whose work is all finished still has its days without WIP
    SELECT tenant_id, team_id, min(day) AS first_day, greatest(max(day), date_trunc('day', now(), 'UTC')) AS last_day
    FROM delta GROUP BY tenant_id, team_id
), days AS (
    SELECT b.tenant_id, b.team_id, b.first_day + n * interval '24 hours' AS day
    FROM bounds b CROSS JOIN LATERAL generate_series(0, (extract(epoch FROM b.last_day - b.first_day) / 86400)::int) n
)
SELECT d.tenant_id, d.team_id, tm.key AS team_key, tm.name AS team_name, d.day,
       (sum(coalesce(x.change, 0)) OVER (PARTITION BY d.tenant_id, d.team_id ORDER BY d.day))::int AS wip_count
FROM days d
JOIN teams tm ON tm.tenant_id = d.tenant_id AND tm.id = d.team_id
LEFT JOIN delta x ON x.tenant_id = d.tenant_id AND x.team_id = d.team_id AND x.day = d.day;
CREATE UNIQUE INDEX mv_team_daily_wip_key ON mv_team_daily_wip (tenant_id, team_id, day);
ANALYZE mv_team_daily_wip;

-- In-progress stretches without activity: each in-progress interval split at its comments. An issue is stuck
-- at as_of when a stretch began 5+ days before and had not ended by as_of.
CREATE MATERIALIZED VIEW mv_issue_idle_segments AS
WITH spans AS (
    SELECT tenant_id, issue_id, t_from, t_to FROM analytics_status_intervals WHERE category = 'in_progress'
), points AS (
    SELECT tenant_id, issue_id, t_from, t_to, t_from AS at FROM spans
    UNION
    SELECT sp.tenant_id, sp.issue_id, sp.t_from, sp.t_to, c.created_at
    FROM spans sp JOIN comments c ON c.tenant_id = sp.tenant_id AND c.issue_id = sp.issue_id
     AND c.created_at > sp.t_from AND (sp.t_to IS NULL OR c.created_at < sp.t_to)
), segments AS (
    SELECT tenant_id, issue_id, at AS idle_from,
           coalesce(lead(at) OVER (PARTITION BY tenant_id, issue_id, t_from ORDER BY at), t_to) AS idle_to,
           row_number() OVER (PARTITION BY tenant_id, issue_id ORDER BY at, t_from) AS segment
    FROM points
)
SELECT sg.tenant_id, sg.issue_id, sg.segment, tm.key AS team_key, tm.name AS team_name, i.issue_key, i.issue_type, i.priority,
       i.assignee, i.epic_key, sg.idle_from, sg.idle_to,
       1 AS is_stuck_candidate,
       CASE WHEN i.assignee IS NULL THEN 1 ELSE 0 END AS is_unassigned
FROM segments sg
JOIN analytics_issue_base i ON i.tenant_id = sg.tenant_id AND i.issue_id = sg.issue_id
LEFT JOIN teams tm ON tm.tenant_id = i.tenant_id AND tm.id = i.team_id;
CREATE UNIQUE INDEX mv_issue_idle_segments_key ON mv_issue_idle_segments (tenant_id, issue_id, segment);
ANALYZE mv_issue_idle_segments;
CREATE INDEX mv_issue_idle_segments_span ON mv_issue_idle_segments (tenant_id, idle_from);

-- What the runtime role reads: one security_barrier view per materialized view, filtered on the tenant
-- setting (no tenant = no rows). It has no privilege on the materialized views or the building blocks.
CREATE VIEW sprint_issue_facts WITH (security_barrier) AS
SELECT team_key, team_name, sprint_key, sprint_name, sprint_state, sprint_start_at, sprint_close_at, issue_key, issue_type,
       priority, assignee, epic_key, outcome, committed, low_sample, committed_points, committed_count, committed_unestimated_count,
       completed_points, completed_count, committed_completed_points, spilled_points, spilled_count, not_completed_count,
       removed_points, removed_count, added_points, added_count, reestimated_points, final_scope_points,
       unplanned_completed_points, carried_over_points, completed_bug_count, scope_count, blocked_count, blocked_hours
FROM mv_sprint_issue_facts WHERE tenant_id = current_tenant_id();

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

REVOKE ALL ON mv_issue_comment_stats, mv_issue_flow, mv_issue_events, mv_sprint_issue_facts,
              mv_team_daily_wip, mv_issue_idle_segments, mv_merged_blocks, analytics_issue_base, analytics_status_intervals
         FROM PUBLIC;
GRANT SELECT ON sprint_issue_facts, issue_flow, issue_events, team_daily_wip, issue_idle_segments,
                issue_comment_stats TO spiral_app;
