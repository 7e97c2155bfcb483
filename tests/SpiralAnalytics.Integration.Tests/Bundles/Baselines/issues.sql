-- staging
DROP TABLE IF EXISTS stage_issues;
CREATE TEMP TABLE stage_issues (n bigint GENERATED ALWAYS AS IDENTITY, key text, team_key text, type text, priority text, status text, status_category text, resolution text, story_points numeric, assignee text, epic_key text, labels text[], created_at timestamptz, resolved_at timestamptz) ON COMMIT DROP;

-- copy
COPY stage_issues (key, team_key, type, priority, status, status_category, resolution, story_points, assignee, epic_key, labels, created_at, resolved_at) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO issues AS t (tenant_id, key, team_id, type, priority, status, status_category, resolution, story_points, assignee, epic_key, labels, created_at, resolved_at)
SELECT current_tenant_id(), s.key, tm.id, s.type, s.priority, s.status, s.status_category, s.resolution, s.story_points, s.assignee, s.epic_key, s.labels, s.created_at, s.resolved_at
FROM stage_issues s LEFT JOIN teams tm ON tm.tenant_id = current_tenant_id() AND tm.key = s.team_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, key) DO UPDATE SET team_id = excluded.team_id, type = excluded.type, priority = excluded.priority, status = excluded.status, status_category = excluded.status_category, resolution = excluded.resolution, story_points = excluded.story_points, assignee = excluded.assignee, epic_key = excluded.epic_key, labels = excluded.labels, created_at = excluded.created_at, resolved_at = excluded.resolved_at
WHERE (t.team_id, t.type, t.priority, t.status, t.status_category, t.resolution, t.story_points, t.assignee, t.epic_key, t.labels, t.created_at, t.resolved_at)
    IS DISTINCT FROM (excluded.team_id, excluded.type, excluded.priority, excluded.status, excluded.status_category, excluded.resolution, excluded.story_points, excluded.assignee, excluded.epic_key, excluded.labels, excluded.created_at, excluded.resolved_at);

-- prune
(none: no owner);
