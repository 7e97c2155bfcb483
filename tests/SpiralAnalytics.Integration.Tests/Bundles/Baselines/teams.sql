-- staging
DROP TABLE IF EXISTS stage_teams;
CREATE TEMP TABLE stage_teams (n bigint GENERATED ALWAYS AS IDENTITY, key text, name text) ON COMMIT DROP;

-- copy
COPY stage_teams (key, name) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO teams AS t (tenant_id, key, name)
SELECT current_tenant_id(), s.key, s.name
FROM stage_teams s
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, key) DO UPDATE SET name = excluded.name
WHERE t.name IS DISTINCT FROM excluded.name;

-- prune
(none: no owner);
