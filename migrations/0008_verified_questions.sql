-- Verified questions (issue 19): a tenant's question → spec pairs that an admin confirmed. The ask pipeline answers a
-- question with the same normalised text, or an embedding close enough to one, with the stored spec ("verified"); a
-- thumbs-up proposes a pair (state 'proposed') that an admin then verifies. Tenant data like any other: RLS enabled
-- and forced, one policy.

CREATE TABLE verified_questions (
    tenant_id            uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    question             text        NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    -- lower case, punctuation dropped, spaces collapsed: the exact-match shortcut and the uniqueness key
    question_normalized  text        NOT NULL CHECK (length(question_normalized) >= 1),
    spec                 jsonb       NOT NULL,
    -- the version of each metric of the spec when it was verified: a later major version means the answer changed meaning
    metric_versions      jsonb       NOT NULL DEFAULT '{}',
    state                text        NOT NULL CHECK (state IN ('proposed', 'verified')),
    -- what the translator answered for the question when it was verified (null: not known); `spiral verified check`
    -- reports drift when the translator's answer moves away from both this and the verified spec
    translator_spec      jsonb,
    -- the question's embedding and the embedder that made it (vectors of different embedders are never compared)
    embedding            vector,
    embedder_id          text,
    source_job_id        uuid,
    proposed_by          text,
    verified_by          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    verified_at          timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, question_normalized),
    CHECK (state <> 'verified' OR verified_at IS NOT NULL),
    FOREIGN KEY (tenant_id, source_job_id) REFERENCES analytics_jobs (tenant_id, id) ON DELETE SET NULL (source_job_id)
);
CREATE INDEX verified_questions_state ON verified_questions (tenant_id, state);

ALTER TABLE verified_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE verified_questions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON verified_questions
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON verified_questions TO spiral_app;
