using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pgvector;
using Pgvector.EntityFrameworkCore;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Infrastructure.Verified;

/// <summary>A stored question → spec pair: proposed (by a thumbs-up) or verified (by an admin).</summary>
public sealed record VerifiedQuestion(
    Guid Id,
    string Question,
    JsonNode Spec,
    IReadOnlyDictionary<string, string> MetricVersions,
    string State,
    string? EmbedderId,
    Guid? SourceJobId,
    string? ProposedBy,
    string? VerifiedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? VerifiedAt)
{
    /// <summary>What the translator answered for the question when the pair was stored; null when unknown.</summary>
    public JsonNode? TranslatorSpec { get; init; }

    /// <summary>The stored spec, parsed (it was validated when stored).</summary>
    public AnalyticsSpec ParsedSpec() => SpecJson.Parse(Spec.ToJsonString()) is { IsValid: true } p
        ? p.Spec!
        : throw new InvalidOperationException($"verified question {Id} holds a spec that does not parse");
}

public static class VerifiedStates
{
    public const string Proposed = "proposed";
    public const string Verified = "verified";

    public static readonly IReadOnlyList<string> All = [Proposed, Verified];
}

/// <summary>A completed job's question and the spec that answered it; <see cref="FollowedUp"/>: asked after another answer of its conversation.</summary>
public sealed record AnsweredJob(Guid Id, string Question, AnalyticsSpec Spec, bool FollowedUp);

/// <summary>How a question matched a verified one: <c>exact</c> (same normalised text) or <c>similar</c> (embedding).</summary>
public sealed record VerifiedMatch(VerifiedQuestion Pair, string Kind, double Similarity)
{
    public const string Exact = "exact";
    public const string Similar = "similar";
}

/// <summary>
/// The tenant's verified questions in <c>verified_questions</c>, through <see cref="SpiralDbContext"/> as the runtime role inside a tenant session: RLS
/// keeps another tenant's pairs out of every read, match and write. Specs are validated (catalog and tenant values) before
/// they are stored, with the metric versions they were verified at; each question is stored with its embedding and the
/// embedder's id, and a pair embedded by another embedder is re-embedded the next time it is searched.
/// </summary>
public sealed class VerifiedQuestionStore(
    TenantDirectory tenants,
    QueryExecutor executor,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    IOptions<VerifiedQuestionOptions> options,
    ILogger<VerifiedQuestionStore> logger) : IVerifiedExamples
{
    public const int MaxQuestionLength = 1000;

    /// <summary>
    /// Stores (or replaces, for the same normalised question) a verified pair; the spec must validate for the tenant.
    /// <paramref name="translatorReading"/> is what the translator answers for the question today (null: unknown), kept so
    /// that a later check tells a pair that still corrects the translator from one the translator drifted away from.
    /// </summary>
    public async Task<(VerifiedQuestion Pair, bool Created)> AddAsync(string tenant, string question, AnalyticsSpec spec, string userId,
        Guid? sourceJobId, AnalyticsSpec? translatorReading, CancellationToken ct)
    {
        question = CheckQuestion(question);
        var (canonical, versions) = await ValidateAsync(tenant, spec, ct);
        var vector = await EmbedAsync(question, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);

        // An upsert on the normalised question (EF has no upsert): one statement; `xmax = 0` tells an insert from an update.
        var stored = (await db.Database.SqlQuery<Upserted>(
            $"""
            INSERT INTO verified_questions AS v (tenant_id, question, question_normalized, spec, metric_versions, state, embedding, embedder_id,
                                                 source_job_id, proposed_by, verified_by, verified_at, translator_spec)
            VALUES (current_tenant_id(), {question}, {VerifiedQuestionText.Normalize(question)}, {canonical}::jsonb, {versions}::jsonb,
                    {VerifiedStates.Verified}, {vector.Vector}, {vector.EmbedderId}, {sourceJobId}::uuid, {userId}, {userId}, now(),
                    {SpecText(translatorReading)}::jsonb)
            ON CONFLICT (tenant_id, question_normalized) DO UPDATE SET
                question = excluded.question, spec = excluded.spec, metric_versions = excluded.metric_versions, state = excluded.state,
                translator_spec = excluded.translator_spec,
                embedding = excluded.embedding, embedder_id = excluded.embedder_id,
                source_job_id = coalesce(excluded.source_job_id, v.source_job_id),
                verified_by = excluded.verified_by, verified_at = now(), updated_at = now()
            RETURNING v.id AS "Id", (v.xmax = 0) AS "Created"
            """).ToListAsync(ct))[0];
        var pair = Pair(await db.VerifiedQuestions.SingleAsync(v => v.Id == stored.Id, ct));
        var created = stored.Created;
        await session.CommitAsync(ct);
        Log.VerifiedQuestionStored(logger, tenant, pair.Id, created ? "added" : "replaced");
        return (pair, created);
    }

    /// <summary>
    /// Adds a proposal (state proposed) unless the same normalised question is already stored; true when it was added.
    /// A proposal never answers: an admin verifies it first (<see cref="ApproveAsync"/>).
    /// </summary>
    public async Task<bool> ProposeAsync(string tenant, string question, AnalyticsSpec spec, string userId, Guid? sourceJobId,
        AnalyticsSpec? translatorReading, CancellationToken ct)
    {
        question = CheckQuestion(question);
        var (canonical, versions) = await ValidateAsync(tenant, spec, ct);
        var vector = await EmbedAsync(question, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);

        // Only when the normalised question is not stored yet: ON CONFLICT DO NOTHING (EF has no upsert; a statement on the session)
        var added = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO verified_questions (tenant_id, question, question_normalized, spec, metric_versions, state, embedding, embedder_id,
                                            source_job_id, proposed_by, translator_spec)
            VALUES (current_tenant_id(), {question}, {VerifiedQuestionText.Normalize(question)}, {canonical}::jsonb, {versions}::jsonb,
                    {VerifiedStates.Proposed}, {vector.Vector}, {vector.EmbedderId}, {sourceJobId}::uuid, {userId}, {SpecText(translatorReading)}::jsonb)
            ON CONFLICT (tenant_id, question_normalized) DO NOTHING
            """, ct) == 1;
        await session.CommitAsync(ct);
        return added;
    }

    /// <summary>An admin verifies a proposed pair: its spec is validated again and its metric versions become today's.</summary>
    public async Task<VerifiedQuestion> ApproveAsync(string tenant, Guid id, string userId, CancellationToken ct)
    {
        var pair = await GetAsync(tenant, id, ct);
        var (canonical, versions) = await ValidateAsync(tenant, pair.ParsedSpec(), ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var changed = await db.VerifiedQuestions.Where(v => v.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(v => v.State, VerifiedStates.Verified)
            .SetProperty(v => v.Spec, canonical)
            .SetProperty(v => v.MetricVersions, versions)
            .SetProperty(v => v.VerifiedBy, userId)
            .SetProperty(v => v.VerifiedAt, v => DateTimeOffset.UtcNow)
            .SetProperty(v => v.UpdatedAt, v => DateTimeOffset.UtcNow), ct);
        var approved = changed == 0 ? null : await db.VerifiedQuestions.SingleAsync(v => v.Id == id, ct);
        await session.CommitAsync(ct);
        return approved is null ? throw NotFound(id) : Pair(approved);
    }

    /// <summary>The tenant's pairs, newest first; <paramref name="state"/> narrows to proposed or verified.</summary>
    public async Task<IReadOnlyList<VerifiedQuestion>> ListAsync(string tenant, string? state, CancellationToken ct)
    {
        if (state is not null && !VerifiedStates.All.Contains(state))
        {
            throw new UserErrorException($"state '{state}' is not one of {string.Join(", ", VerifiedStates.All)}");
        }

        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var stored = await db.VerifiedQuestions.Where(v => state == null || v.State == state)
            .OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Id)
            .ToListAsync(ct);
        await session.CommitAsync(ct);
        return stored.Select(Pair).ToList();
    }

    public async Task<VerifiedQuestion> GetAsync(string tenant, Guid id, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        return await db.VerifiedQuestions.FirstOrDefaultAsync(v => v.Id == id, ct) is { } stored ? Pair(stored) : throw NotFound(id);
    }

    public async Task RemoveAsync(string tenant, Guid id, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        if (await db.VerifiedQuestions.Where(v => v.Id == id).ExecuteDeleteAsync(ct) == 0)
        {
            throw NotFound(id);
        }

        await session.CommitAsync(ct);
        Log.VerifiedQuestionStored(logger, tenant, id, "removed");
    }

    /// <summary>
    /// The verified pair that answers <paramref name="question"/>: the same normalised text, else the most similar pair at or
    /// above <see cref="VerifiedQuestionOptions.SimilarityThreshold"/> that names the same numbers and scope words (unless
    /// <paramref name="allowSimilar"/> is false). Null when none.
    /// </summary>
    public async Task<VerifiedMatch?> MatchAsync(string tenant, string question, CancellationToken ct) => await MatchAsync(tenant, question, true, ct);

    public async Task<VerifiedMatch?> MatchAsync(string tenant, string question, bool allowSimilar, CancellationToken ct)
    {
        var normalized = VerifiedQuestionText.Normalize(question);
        if (normalized.Length == 0)
        {
            return null;
        }

        await using (var session = await tenants.BeginSessionAsync(tenant, ct))
        {
            await using var db = SpiralDb.For(session);
            if (await db.VerifiedQuestions.FirstOrDefaultAsync(v => v.State == VerifiedStates.Verified && v.QuestionNormalized == normalized, ct) is { } exact)
            {
                return new VerifiedMatch(Pair(exact), VerifiedMatch.Exact, 1.0);
            }
        }

        if (!allowSimilar)
        {
            return null;
        }

        var threshold = options.Value.SimilarityThreshold;
        foreach (var (pair, similarity) in await NearestPairsAsync(tenant, question, 5, ct))
        {
            if (similarity >= threshold && VerifiedQuestionText.SameScope(question, pair.Question))
            {
                return new VerifiedMatch(pair, VerifiedMatch.Similar, Math.Round(similarity, 4));
            }
        }

        return null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A pair with the question's own text is left out: it is the answer, not an example, and a model shown it would only
    /// copy it (which would make <c>spiral verified check</c> report every pair as unchanged).
    /// </remarks>
    public async Task<IReadOnlyList<VerifiedExample>> NearestAsync(string tenant, string question, int count, CancellationToken ct)
    {
        var normalized = VerifiedQuestionText.Normalize(question);
        if (count <= 0 || normalized.Length == 0)
        {
            return [];
        }

        var min = options.Value.PromptExampleMinSimilarity;
        return (await NearestPairsAsync(tenant, question, count + 1, ct))
            .Where(p => p.Similarity >= min && VerifiedQuestionText.Normalize(p.Pair.Question) != normalized)
            .Take(count)
            .Select(p => new VerifiedExample(p.Pair.Question, p.Pair.ParsedSpec(), Math.Round(p.Similarity, 4)))
            .ToList();
    }

    private async Task<IReadOnlyList<(VerifiedQuestion Pair, double Similarity)>> NearestPairsAsync(string tenant, string question, int count, CancellationToken ct)
    {
        var vector = await EmbedAsync(question, ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        await ReembedAsync(db, vector.EmbedderId, ct);
        var query = vector.Vector;
        var nearest = await db.VerifiedQuestions
            .Where(v => v.State == VerifiedStates.Verified && v.EmbedderId == vector.EmbedderId && v.Embedding != null)
            .OrderBy(v => v.Embedding!.CosineDistance(query)).ThenBy(v => v.Id)
            .Select(v => new { Pair = v, Distance = v.Embedding!.CosineDistance(query) })
            .Take(count)
            .ToListAsync(ct);
        await session.CommitAsync(ct);
        return nearest.Select(n => (Pair(n.Pair), 1 - n.Distance)).ToList();
    }

    /// <summary>Pairs embedded by another embedder (or by none) get the configured embedder's vector, so every pair stays searchable.</summary>
    private async Task ReembedAsync(SpiralDbContext db, string embedderId, CancellationToken ct)
    {
        var stale = await db.VerifiedQuestions.Where(v => v.EmbedderId != embedderId)
            .Select(v => new { v.Id, v.Question })
            .ToListAsync(ct);
        if (stale.Count == 0)
        {
            return;
        }

        var vectors = await embedder.GenerateAsync(stale.Select(s => s.Question), cancellationToken: ct);
        for (var i = 0; i < stale.Count; i++)
        {
            var id = stale[i].Id;
            var embedding = new Vector(vectors[i].Vector.ToArray());
            await db.VerifiedQuestions.Where(v => v.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.Embedding, embedding).SetProperty(v => v.EmbedderId, embedderId), ct);
        }

        Log.VerifiedQuestionsReembedded(logger, stale.Count, embedderId);
    }

    /// <summary>
    /// The question and spec of a completed job of the tenant, or null when it has no answer (a clarification, a failure);
    /// <see cref="NotFoundException"/> when the tenant has no such job. <see cref="AnsweredJob.FollowedUp"/> says an
    /// earlier question of its conversation had a spec, so the translator may have read this one as a change of it.
    /// </summary>
    public async Task<AnsweredJob?> AnsweredJobAsync(string tenant, Guid jobId, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var job = await db.Jobs.Where(j => j.Id == jobId)
            .Select(j => new
            {
                j.Question,
                j.Spec,
                j.Status,
                FollowedUp = j.ConversationId != null && db.Jobs.Any(p =>
                    p.ConversationId == j.ConversationId && p.Spec != null && p.Id != j.Id
                    && EF.Functions.LessThan(ValueTuple.Create(p.CreatedAt, p.Id), ValueTuple.Create(j.CreatedAt, j.Id))),
            })
            .FirstOrDefaultAsync(ct) ?? throw new NotFoundException($"job '{jobId}' does not exist");
        if (job.Question is null || job.Spec is null || job.Status != JobStatuses.Completed)
        {
            return null;
        }

        return SpecJson.Parse(job.Spec) is { IsValid: true } parsed ? new AnsweredJob(jobId, job.Question, parsed.Spec!, job.FollowedUp) : null;
    }

    /// <summary>The spec in canonical form and the version of each of its metrics, after validation against the catalog and the tenant's values.</summary>
    private async Task<(string Spec, string Versions)> ValidateAsync(string tenant, AnalyticsSpec spec, CancellationToken ct)
    {
        var validated = await executor.ValidateAsync(spec, tenant, ct);
        var versions = new JsonObject();
        foreach (var reference in validated.Spec.Metrics)
        {
            var name = AnalyticsSpec.MetricName(reference);
            versions[name] = AnalyticsSpec.MetricVersion(reference) ?? validated.Catalog.Get(name).Version;
        }

        return (SpecJson.Write(validated.Spec), versions.ToJsonString());
    }

    private sealed record QuestionVector(Vector Vector, string EmbedderId);

    /// <summary>The upsert's answer (columns aliased to these names).</summary>
    private sealed record Upserted(Guid Id, bool Created);

    private async Task<QuestionVector> EmbedAsync(string question, CancellationToken ct)
    {
        var embedding = (await embedder.GenerateAsync([question], cancellationToken: ct))[0];
        return new QuestionVector(new Vector(embedding.Vector.ToArray()), CatalogEmbeddings.IdentityOf(embedder));
    }

    private static string CheckQuestion(string? question)
    {
        var text = question?.Trim() ?? "";
        if (text.Length == 0 || VerifiedQuestionText.Normalize(text).Length == 0)
        {
            throw new UserErrorException("question is required: the question, in words, that the spec answers");
        }

        if (text.Length > MaxQuestionLength)
        {
            throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                $"question has {text.Length} characters; at most {MaxQuestionLength} are allowed"));
        }

        return text;
    }

    /// <summary>A stored spec (jsonb reorders keys) back in the canonical key order of ANALYTICS-SPEC.md.</summary>
    private static JsonNode Canonical(string json) =>
        SpecJson.Parse(json) is { IsValid: true } parsed ? SpecJson.ToNode(parsed.Spec!) : JsonNode.Parse(json)!;

    private static string? SpecText(AnalyticsSpec? spec) => spec is null ? null : SpecJson.Write(spec);

    private static NotFoundException NotFound(Guid id) => new($"verified question '{id}' does not exist");

    private static VerifiedQuestion Pair(StoredVerifiedQuestion stored)
    {
        var versions = JsonNode.Parse(stored.MetricVersions)!.AsObject()
            .ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal);
        return new VerifiedQuestion(stored.Id, stored.Question, Canonical(stored.Spec), versions, stored.State, stored.EmbedderId, stored.SourceJobId,
            stored.ProposedBy, stored.VerifiedBy, stored.CreatedAt, stored.VerifiedAt)
        {
            TranslatorSpec = stored.TranslatorSpec is null ? null : Canonical(stored.TranslatorSpec),
        };
    }
}
