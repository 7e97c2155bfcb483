-- staging
DROP TABLE IF EXISTS stage_sprints;
CREATE TEMP TABLE stage_sprints (n bigint GENERATED ALWAYS AS IDENTITY, key text, team_key text, name text, state text, start_at timestamptz, end_at timestamptz, completed_at timestamptz, goal text) ON COMMIT DROP;

-- copy
COPY stage_sprints (key, team_key, name, state, start_at, end_at, completed_at, goal) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO sprints AS t (tenant_id, key, team_id, name, state, start_at, end_at, completed_at, goal)
SELECT current_tenant_id(), s.key, tm.id, s.name, s.state, s.start_at, s.end_at, s.completed_at, s.goal
FROM stage_sprints s JOIN teams tm ON tm.tenant_id = current_tenant_id() AND tm.key = s.team_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, key) DO UPDATE SET team_id = excluded.team_id, name = excluded.name, state = excluded.state, start_at = excluded.start_at, end_at = excluded.end_at, completed_at = excluded.completed_at, goal = excluded.goal
WHERE (t.team_id, t.name, t.state, t.start_at, t.end_at, t.completed_at, t.goal)
    IS DISTINCT FROM (excluded.team_id, excluded.name, excluded.state, excluded.start_at, excluded.end_at, excluded.completed_at, excluded.goal);

-- prune
(none: no owner);
