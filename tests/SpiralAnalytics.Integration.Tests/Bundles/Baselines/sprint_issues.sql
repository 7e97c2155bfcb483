-- staging
DROP TABLE IF EXISTS stage_sprint_issues;
CREATE TEMP TABLE stage_sprint_issues (n bigint GENERATED ALWAYS AS IDENTITY, sprint_key text, issue_key text, added_at timestamptz, removed_at timestamptz, committed boolean, outcome text, points_at_start numeric, points_at_end numeric) ON COMMIT DROP;

-- copy
COPY stage_sprint_issues (sprint_key, issue_key, added_at, removed_at, committed, outcome, points_at_start, points_at_end) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO sprint_issues AS t (tenant_id, sprint_id, issue_id, added_at, removed_at, committed, outcome, points_at_start, points_at_end)
SELECT current_tenant_id(), sp.id, i.id, s.added_at, s.removed_at, s.committed, s.outcome, s.points_at_start, s.points_at_end
FROM stage_sprint_issues s JOIN stage_sprint_ids sp ON sp.key = s.sprint_key JOIN stage_issue_ids i ON i.key = s.issue_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, sprint_id, issue_id, added_at) DO UPDATE SET removed_at = excluded.removed_at, committed = excluded.committed, outcome = excluded.outcome, points_at_start = excluded.points_at_start, points_at_end = excluded.points_at_end
WHERE (t.removed_at, t.committed, t.outcome, t.points_at_start, t.points_at_end)
    IS DISTINCT FROM (excluded.removed_at, excluded.committed, excluded.outcome, excluded.points_at_start, excluded.points_at_end);

-- prune
DELETE FROM sprint_issues t USING stage_sprint_ids sp, stage_sprints owned
WHERE t.tenant_id = current_tenant_id() AND sp.id = t.sprint_id AND sp.key = owned.key
  AND NOT EXISTS (SELECT 1 FROM stage_sprint_issues s JOIN stage_issue_ids i ON i.key = s.issue_key
                  WHERE s.sprint_key = sp.key AND i.id = t.issue_id AND s.added_at IS NOT DISTINCT FROM t.added_at);
