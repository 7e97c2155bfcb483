-- staging
DROP TABLE IF EXISTS stage_transitions;
CREATE TEMP TABLE stage_transitions (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, at timestamptz, from_status text, to_status text, from_category text, to_category text) ON COMMIT DROP;

-- copy
COPY stage_transitions (issue_key, at, from_status, to_status, from_category, to_category) FROM STDIN (FORMAT BINARY);

-- upsert
INSERT INTO issue_transitions AS t (tenant_id, issue_id, at, from_status, to_status, from_category, to_category)
SELECT current_tenant_id(), i.id, s.at, s.from_status, s.to_status, s.from_category, s.to_category
FROM stage_transitions s JOIN stage_issue_ids i ON i.key = s.issue_key
WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
ON CONFLICT (tenant_id, issue_id, at, to_status) DO UPDATE SET from_status = excluded.from_status, from_category = excluded.from_category, to_category = excluded.to_category
WHERE (t.from_status, t.from_category, t.to_category)
    IS DISTINCT FROM (excluded.from_status, excluded.from_category, excluded.to_category);

-- prune
DELETE FROM issue_transitions t USING stage_issue_ids i, stage_issues owned
WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = owned.key
  AND NOT EXISTS (SELECT 1 FROM stage_transitions s
                  WHERE s.issue_key = i.key AND s.at = t.at AND s.to_status = t.to_status);
