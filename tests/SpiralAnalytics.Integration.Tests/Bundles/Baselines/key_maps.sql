DROP TABLE IF EXISTS stage_sprint_ids;
CREATE TEMP TABLE stage_sprint_ids ON COMMIT DROP AS
SELECT x.key, x.id FROM sprints x
WHERE x.tenant_id = current_tenant_id()
  AND x.key IN (SELECT key FROM stage_sprints UNION SELECT sprint_key FROM stage_sprint_issues);
ANALYZE stage_sprint_ids

DROP TABLE IF EXISTS stage_issue_ids;
CREATE TEMP TABLE stage_issue_ids ON COMMIT DROP AS
SELECT x.key, x.id FROM issues x
WHERE x.tenant_id = current_tenant_id()
  AND x.key IN (SELECT key FROM stage_issues UNION SELECT issue_key FROM stage_sprint_issues UNION SELECT issue_key FROM stage_transitions UNION SELECT issue_key FROM stage_blocks UNION SELECT issue_key FROM stage_comments);
ANALYZE stage_issue_ids
