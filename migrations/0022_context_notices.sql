-- Context notices (issue 16): each table a question's context stamp reads (TenantContextCache.StampColumns: the refreshes,
-- the shipped catalog's revision, the tenants' revisions, their data imports and Jira syncs) announces its writes on the
-- channel spiral_context when the writing transaction commits: the tenant's id for a tenant's row, '*' for a change every
-- tenant sees (a refresh, the shipped catalog, a TRUNCATE). A node that listens (ContextWatch) can then trust a context
-- it read earlier until a notice comes, and answer a repeated question without a round trip to check the stamp.
-- A notice carries an id only, never data; PostgreSQL folds identical notices of one transaction into one.

CREATE FUNCTION notify_context_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        PERFORM pg_notify('spiral_context', (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END)::text);
    ELSE
        PERFORM pg_notify('spiral_context', '*');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER context_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON analytics_refreshes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_context_change();
CREATE TRIGGER context_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog_revision
    FOR EACH STATEMENT EXECUTE FUNCTION notify_context_change();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_revisions', 'data_imports', 'jira_sync_state']
    LOOP
        EXECUTE format('CREATE TRIGGER context_notice AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION notify_context_change()', t);
        EXECUTE format('CREATE TRIGGER context_notice_truncate AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION notify_context_change()', t);
    END LOOP;
END $$;
