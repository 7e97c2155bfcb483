-- Context revisions (issue 16): what a question's context (the tenant's catalog, its dimension members, its verified
-- questions) was read at, so a node can cache that context and a repeated question's answer and know, with one read,
-- whether anything they depend on changed — in this process or any other (the CLI, another API node).
-- Every writer is covered because the database bumps the revision itself: a statement-level trigger on each table the
-- context is read from. A write acting for a tenant (app.tenant_id set: imports, Jira sync, demo seed, the tenant's
-- catalog, verified questions, tenant metric values) bumps that tenant's row; a write without a tenant (the shipped
-- catalog: import, edit, deprecation, all as the owner role) bumps the global catalog revision. The bump is part of
-- the writing transaction, so a reader sees the new revision exactly when it can see the new rows.

CREATE TABLE catalog_revision (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    revision  bigint  NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (true, 1);

CREATE TABLE tenant_revisions (
    tenant_id  uuid   PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    revision   bigint NOT NULL
);
ALTER TABLE tenant_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_revisions
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- SECURITY DEFINER: the runtime role reads both tables but writes neither directly; only through its own writes.
CREATE FUNCTION bump_context_revision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    t uuid := current_tenant_id();
BEGIN
    IF t IS NULL THEN
        UPDATE catalog_revision SET revision = revision + 1;
    ELSE
        INSERT INTO tenant_revisions AS r (tenant_id, revision) VALUES (t, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET revision = r.revision + 1;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION bump_context_revision() FROM PUBLIC;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['teams', 'sprints', 'issues', 'metrics', 'metric_versions', 'tenant_metrics',
                             'tenant_metric_versions', 'tenant_metric_values', 'verified_questions']
    LOOP
        EXECUTE format('CREATE TRIGGER context_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_context_revision()', t);
    END LOOP;
END $$;

GRANT SELECT ON catalog_revision, tenant_revisions TO spiral_app;
