-- Alerts (issue 20): opt-in rules a tenant admin writes, the firings they produce and every webhook delivery attempt.
-- All three are tenant tables under forced RLS like every other: the composite keys tie a firing to a rule and a
-- delivery to a firing of the same tenant. A firing is unique per rule and period (a team's sprint), so evaluating
-- twice never fires twice.

CREATE TABLE alert_rules (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    spec         jsonb       NOT NULL,
    condition    jsonb       NOT NULL,
    webhook_url  text        CHECK (length(webhook_url) <= 2000),
    secret       text        NOT NULL CHECK (length(secret) >= 32),
    enabled      boolean     NOT NULL DEFAULT true,
    question     text        CHECK (length(question) <= 2000),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE alert_firings (
    tenant_id       uuid             NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id              uuid             NOT NULL DEFAULT gen_random_uuid(),
    rule_id         uuid             NOT NULL,
    period_key      text             NOT NULL,
    team            text             NOT NULL,
    sprint          text             NOT NULL,
    value           double precision,
    z               double precision,
    detail          jsonb            NOT NULL,
    fired_at        timestamptz      NOT NULL DEFAULT now(),
    delivery_state  text             NOT NULL DEFAULT 'pending'
                    CHECK (delivery_state IN ('pending', 'delivering', 'delivered', 'failed', 'no_webhook')),
    delivered_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, rule_id, period_key),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES alert_rules (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alert_firings_recent ON alert_firings (tenant_id, fired_at DESC);

CREATE TABLE alert_deliveries (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           bigint      GENERATED ALWAYS AS IDENTITY,
    firing_id    uuid        NOT NULL,
    attempt      int         NOT NULL CHECK (attempt >= 1),
    at           timestamptz NOT NULL DEFAULT now(),
    url          text        NOT NULL,
    status_code  int,
    outcome      text        NOT NULL CHECK (outcome IN ('delivered', 'failed', 'refused')),
    error        text        CHECK (length(error) <= 2000),
    duration_ms  double precision NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, firing_id, attempt),
    FOREIGN KEY (tenant_id, firing_id) REFERENCES alert_firings (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alert_rules', 'alert_firings', 'alert_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON alert_rules, alert_firings, alert_deliveries TO spiral_app;
