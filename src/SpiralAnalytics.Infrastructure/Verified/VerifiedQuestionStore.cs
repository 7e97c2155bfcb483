using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Catalog;
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
/// The tenant's verified questions in <c>verified_questions</c>, always as the runtime role inside a tenant session: RLS
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

    private const string Columns =
        "id, question, spec::text, metric_versions::text, state, embedder_id, source_job_id, proposed_by, verified_by, created_at, verified_at, translator_spec::text";

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
        await using var command = session.Command(
            $"""
            INSERT INTO verified_questions AS v (tenant_id, question, question_normalized, spec, metric_versions, state, embedding, embedder_id,
                                                 source_job_id, proposed_by, verified_by, verified_at, translator_spec)
            VALUES (current_tenant_id(), $1, $2, $3::jsonb, $4::jsonb, 'verified', $5::vector, $6, $7, $8, $8, now(), $9::jsonb)
            ON CONFLICT (tenant_id, question_normalized) DO UPDATE SET
                question = excluded.question, spec = excluded.spec, metric_versions = excluded.metric_versions, state = 'verified',
                translator_spec = excluded.translator_spec,
                embedding = excluded.embedding, embedder_id = excluded.embedder_id,
                source_job_id = coalesce(excluded.source_job_id, v.source_job_id),
                verified_by = excluded.verified_by, verified_at = now(), updated_at = now()
            RETURNING {Columns}, (xmax = 0)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = question });
        command.Parameters.Add(new NpgsqlParameter { Value = VerifiedQuestionText.Normalize(question) });
        command.Parameters.Add(new NpgsqlParameter { Value = canonical });
        command.Parameters.Add(new NpgsqlParameter { Value = versions });
        command.Parameters.Add(new NpgsqlParameter { Value = vector.Literal });
        command.Parameters.Add(new NpgsqlParameter { Value = vector.EmbedderId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sourceJobId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(Json(translatorReading));
        VerifiedQuestion pair;
        bool created;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            pair = Read(reader);
            created = reader.GetBoolean(12);
        }

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
        await using var command = session.Command(
            """
            INSERT INTO verified_questions (tenant_id, question, question_normalized, spec, metric_versions, state, embedding, embedder_id,
                                            source_job_id, proposed_by, translator_spec)
            VALUES (current_tenant_id(), $1, $2, $3::jsonb, $4::jsonb, 'proposed', $5::vector, $6, $7, $8, $9::jsonb)
            ON CONFLICT (tenant_id, question_normalized) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = question });
        command.Parameters.Add(new NpgsqlParameter { Value = VerifiedQuestionText.Normalize(question) });
        command.Parameters.Add(new NpgsqlParameter { Value = canonical });
        command.Parameters.Add(new NpgsqlParameter { Value = versions });
        command.Parameters.Add(new NpgsqlParameter { Value = vector.Literal });
        command.Parameters.Add(new NpgsqlParameter { Value = vector.EmbedderId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sourceJobId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(Json(translatorReading));
        var added = await command.ExecuteNonQueryAsync(ct) == 1;
        await session.CommitAsync(ct);
        return added;
    }

    /// <summary>An admin verifies a proposed pair: its spec is validated again and its metric versions become today's.</summary>
    public async Task<VerifiedQuestion> ApproveAsync(string tenant, Guid id, string userId, CancellationToken ct)
    {
        var pair = await GetAsync(tenant, id, ct);
        var (canonical, versions) = await ValidateAsync(tenant, pair.ParsedSpec(), ct);
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command(
            $"""
            UPDATE verified_questions SET state = 'verified', spec = $2::jsonb, metric_versions = $3::jsonb, verified_by = $4,
                                          verified_at = now(), updated_at = now()
            WHERE id = $1
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = canonical });
        command.Parameters.Add(new NpgsqlParameter { Value = versions });
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        VerifiedQuestion? approved = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                approved = Read(reader);
            }
        }

        await session.CommitAsync(ct);
        return approved ?? throw NotFound(id);
    }

    /// <summary>The tenant's pairs, newest first; <paramref name="state"/> narrows to proposed or verified.</summary>
    public async Task<IReadOnlyList<VerifiedQuestion>> ListAsync(string tenant, string? state, CancellationToken ct)
    {
        if (state is not null && !VerifiedStates.All.Contains(state))
        {
            throw new UserErrorException($"state '{state}' is not one of {string.Join(", ", VerifiedStates.All)}");
        }

        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command(
            $"SELECT {Columns} FROM verified_questions WHERE ($1::text IS NULL OR state = $1) ORDER BY created_at DESC, id");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var list = new List<VerifiedQuestion>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                list.Add(Read(reader));
            }
        }

        await session.CommitAsync(ct);
        return list;
    }

    public async Task<VerifiedQuestion> GetAsync(string tenant, Guid id, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command($"SELECT {Columns} FROM verified_questions WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : throw NotFound(id);
    }

    public async Task RemoveAsync(string tenant, Guid id, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command("DELETE FROM verified_questions WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        if (await command.ExecuteNonQueryAsync(ct) == 0)
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
            await using var exact = session.Command($"SELECT {Columns} FROM verified_questions WHERE state = 'verified' AND question_normalized = $1");
            exact.Parameters.Add(new NpgsqlParameter { Value = normalized });
            await using var reader = await exact.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                return new VerifiedMatch(Read(reader), VerifiedMatch.Exact, 1.0);
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
        await ReembedAsync(session, vector.EmbedderId, ct);
        await using var command = session.Command(
            $"""
            SELECT {Columns}, 1 - (embedding <=> $1::vector)
            FROM verified_questions
            WHERE state = 'verified' AND embedder_id = $2 AND embedding IS NOT NULL
            ORDER BY embedding <=> $1::vector, id
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = vector.Literal });
        command.Parameters.Add(new NpgsqlParameter { Value = vector.EmbedderId });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var list = new List<(VerifiedQuestion, double)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                list.Add((Read(reader), reader.IsDBNull(12) ? 0 : reader.GetDouble(12)));
            }
        }

        await session.CommitAsync(ct);
        return list;
    }

    /// <summary>Pairs embedded by another embedder (or by none) get the configured embedder's vector, so every pair stays searchable.</summary>
    private async Task ReembedAsync(TenantSession session, string embedderId, CancellationToken ct)
    {
        var stale = new List<(Guid Id, string Question)>();
        await using (var command = session.Command("SELECT id, question FROM verified_questions WHERE embedder_id IS DISTINCT FROM $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = embedderId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stale.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        if (stale.Count == 0)
        {
            return;
        }

        var vectors = await embedder.GenerateAsync(stale.Select(s => s.Question), cancellationToken: ct);
        for (var i = 0; i < stale.Count; i++)
        {
            await using var update = session.Command("UPDATE verified_questions SET embedding = $2::vector, embedder_id = $3 WHERE id = $1");
            update.Parameters.Add(new NpgsqlParameter { Value = stale[i].Id });
            update.Parameters.Add(new NpgsqlParameter { Value = CatalogEmbeddings.ToVectorLiteral(vectors[i].Vector.Span) });
            update.Parameters.Add(new NpgsqlParameter { Value = embedderId });
            await update.ExecuteNonQueryAsync(ct);
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
        await using var command = session.Command(
            """
            SELECT j.question, j.spec::text, j.status,
                   EXISTS (SELECT 1 FROM analytics_jobs p
                           WHERE p.conversation_id = j.conversation_id AND p.spec IS NOT NULL AND p.id <> j.id
                             AND (p.created_at, p.id) < (j.created_at, j.id))
            FROM analytics_jobs j WHERE j.id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = jobId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new NotFoundException($"job '{jobId}' does not exist");
        }

        if (reader.IsDBNull(0) || reader.IsDBNull(1) || reader.GetString(2) != "completed")
        {
            return null;
        }

        return SpecJson.Parse(reader.GetString(1)) is { IsValid: true } parsed
            ? new AnsweredJob(jobId, reader.GetString(0), parsed.Spec!, reader.GetBoolean(3))
            : null;
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

    private sealed record QuestionVector(string Literal, string EmbedderId);

    private async Task<QuestionVector> EmbedAsync(string question, CancellationToken ct)
    {
        var embedding = (await embedder.GenerateAsync([question], cancellationToken: ct))[0];
        return new QuestionVector(CatalogEmbeddings.ToVectorLiteral(embedding.Vector.Span), CatalogEmbeddings.IdentityOf(embedder));
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

    private static NpgsqlParameter Json(AnalyticsSpec? spec) =>
        new() { Value = spec is null ? DBNull.Value : SpecJson.Write(spec), NpgsqlDbType = NpgsqlDbType.Text };

    private static NotFoundException NotFound(Guid id) => new($"verified question '{id}' does not exist");

    private static VerifiedQuestion Read(NpgsqlDataReader reader)
    {
        var versions = JsonNode.Parse(reader.GetString(3))!.AsObject()
            .ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal);
        return new VerifiedQuestion(
            reader.GetGuid(0),
            reader.GetString(1),
            Canonical(reader.GetString(2)),
            versions,
            reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetGuid(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.IsDBNull(8) ? null : reader.GetString(8),
            reader.GetFieldValue<DateTimeOffset>(9),
            reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10))
        {
            TranslatorSpec = reader.IsDBNull(11) ? null : Canonical(reader.GetString(11)),
        };
    }
}
