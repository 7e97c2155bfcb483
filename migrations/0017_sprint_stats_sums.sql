-- Issue 15: one definition per metric. The sprint grain keeps what a sprint is (team, dates, state, low_sample) and the sums
-- of its sprint × issue facts; every ratio, z-score, baseline and the problem score is computed by the query builder from the
-- catalog definitions. Databases that applied the earlier 0002 lose its mv_sprint_stats_enriched (20 metric columns, z_*,
-- the problem score and contrib_*) and analytics_z; on a fresh database 0002 and 0016 no longer create them, so the IF EXISTS
-- drops do nothing.
--
-- A tenant SQL metric that read one of the dropped columns (e.g. s.say_do_ratio) now fails with PostgreSQL's "column does
-- not exist", named in its error; it is rewritten from the sums (s.committed_completed_points / nullif(s.committed_points, 0)).
DROP VIEW IF EXISTS sprint_stats;
DROP MATERIALIZED VIEW IF EXISTS mv_sprint_stats_enriched;
DROP FUNCTION IF EXISTS analytics_z(numeric, numeric, numeric, bigint, numeric);

CREATE MATERIALIZED VIEW mv_sprint_stats AS
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
GROUP BY f.tenant_id, f.sprint_id, sp.team_id;
CREATE UNIQUE INDEX mv_sprint_stats_key ON mv_sprint_stats (tenant_id, sprint_id);
CREATE INDEX mv_sprint_stats_close ON mv_sprint_stats (tenant_id, sprint_close_at);
CREATE INDEX mv_sprint_stats_sprint ON mv_sprint_stats (tenant_id, sprint_key);
CREATE INDEX mv_sprint_stats_team_close ON mv_sprint_stats (tenant_id, team_key, sprint_close_at);
ANALYZE mv_sprint_stats;

CREATE VIEW sprint_stats WITH (security_barrier) AS
SELECT team_key, team_name, sprint_key, sprint_name, sprint_state, sprint_start_at, sprint_close_at, low_sample,
       committed_points, committed_count, committed_unestimated_count, completed_points, completed_count,
       committed_completed_points, spilled_points, spilled_count, not_completed_count, removed_points, removed_count,
       added_points, added_count, reestimated_points, final_scope_points, unplanned_completed_points, carried_over_points,
       completed_bug_count, scope_count, blocked_count, blocked_hours, planning_error_points
FROM mv_sprint_stats WHERE tenant_id = current_tenant_id();

REVOKE ALL ON mv_sprint_stats FROM PUBLIC;
GRANT SELECT ON sprint_stats TO spiral_app;
