-- staging
DROP TABLE IF EXISTS stage_blocks;
CREATE TEMP TABLE stage_blocks (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, blocked_from timestamptz, blocked_to timestamptz) ON COMMIT DROP;

-- copy
COPY stage_blocks (issue_key, blocked_from, blocked_to) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO issue_blocks AS t (tenant_id, issue_id, blocked_from, blocked_to)
SELECT current_tenant_id(), i.id, s.blocked_from, s.blocked_to
FROM stage_blocks s JOIN stage_issue_ids i ON i.key = s.issue_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, issue_id, blocked_from) DO UPDATE SET blocked_to = excluded.blocked_to
WHERE t.blocked_to IS DISTINCT FROM excluded.blocked_to;

-- prune
DELETE FROM issue_blocks t USING stage_issue_ids i, stage_issues owned
WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = owned.key
  AND NOT EXISTS (SELECT 1 FROM stage_blocks s
                  WHERE s.issue_key = i.key AND s.blocked_from = t.blocked_from);
