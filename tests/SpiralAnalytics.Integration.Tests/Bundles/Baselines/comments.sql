-- staging
DROP TABLE IF EXISTS stage_comments;
CREATE TEMP TABLE stage_comments (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, author text, created_at timestamptz) ON COMMIT DROP;

-- copy
COPY stage_comments (issue_key, author, created_at) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO comments AS t (tenant_id, issue_id, author, created_at)
SELECT current_tenant_id(), i.id, s.author, s.created_at
FROM stage_comments s JOIN stage_issue_ids i ON i.key = s.issue_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, issue_id, author, created_at) DO NOTHING;

-- prune
DELETE FROM comments t USING stage_issue_ids i, stage_issues owned
WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = owned.key
  AND NOT EXISTS (SELECT 1 FROM stage_comments s
                  WHERE s.issue_key = i.key AND s.author IS NOT DISTINCT FROM t.author AND s.created_at = t.created_at);
