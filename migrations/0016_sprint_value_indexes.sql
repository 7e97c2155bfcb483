-- Supersedes checksum 73f76940ada6f5f6a5540d711bb9fe0c26ec173111290d95503e4322f71bb515: the earlier text also indexed mv_sprint_stats_enriched, which
-- 0017_sprint_stats_sums.sql replaces (with those indexes on its successor, mv_sprint_stats).
-- Issue 15: z-scores, baselines and the problem score are computed at query time from the catalog definitions (ZScoreSql in
-- the query builder), over the values of the sprints an answer needs and of their baselines: one LATERAL per sprint. These
-- indexes make each of those look-ups an index range instead of a scan of the whole view (the views keep their definitions;
-- REFRESH ... CONCURRENTLY still uses the unique indexes of 0002).
CREATE INDEX mv_sprint_issue_facts_sprint ON mv_sprint_issue_facts (tenant_id, sprint_key);
CREATE INDEX mv_team_daily_wip_team_day ON mv_team_daily_wip (tenant_id, team_key, day);
