using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Conversations;

/// <summary>A conversation: the jobs of one <c>conversation_id</c>, titled by its first question.</summary>
public sealed record ConversationSummary(Guid Id, string? Title, string? UserId, DateTimeOffset StartedAt, DateTimeOffset LastAskedAt, int MessageCount);

/// <summary>One question of a conversation and what became of it; <see cref="Summary"/> is the result without its rows.</summary>
public sealed record ConversationMessage(
    Guid JobId,
    string? Question,
    string Status,
    JsonNode? Spec,
    JsonNode? Summary,
    JsonNode? Clarification,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);

public sealed record Feedback(Guid Id, Guid JobId, string UserId, string Rating, string? Comment, DateTimeOffset CreatedAt)
{
    /// <summary>True when this thumbs-up proposed the answer's question → spec pair for verification.</summary>
    public bool ProposedVerified { get; init; }
}

public static class FeedbackRatings
{
    public const string Up = "up";
    public const string Down = "down";

    public static readonly IReadOnlyList<string> All = [Up, Down];
}

/// <summary>
/// Conversations (read from <c>analytics_jobs</c>) and feedback on jobs, always as the runtime role inside a tenant
/// session: another tenant's conversation or job is simply not there (RLS), which the API answers as 404.
/// Reads the pipeline's optional columns (clarification) through <c>to_jsonb(row)</c>, so they may be absent.
/// </summary>
public sealed class ConversationStore(TenantDirectory tenants)
{
    public const int MaxLimit = 200;

    /// <summary>The tenant's conversations, newest activity first: the user's own, or everyone's when <paramref name="userId"/> is null.</summary>
    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(string tenant, string? userId, int limit, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command(
            """
            SELECT conversation_id,
                   (array_agg(question ORDER BY created_at, id))[1],
                   (array_agg(user_id ORDER BY created_at, id))[1],
                   min(created_at), max(created_at), count(*)::int
            FROM analytics_jobs
            WHERE conversation_id IS NOT NULL AND ($1::text IS NULL OR user_id = $1)
            GROUP BY conversation_id
            ORDER BY max(created_at) DESC, conversation_id
            LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit, 1, MaxLimit) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<ConversationSummary>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ConversationSummary(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5)));
        }

        return list;
    }

    /// <summary>The jobs of a conversation in the order they were asked; <see cref="NotFoundException"/> when the tenant (or the user, if given) has none.</summary>
    public async Task<IReadOnlyList<ConversationMessage>> MessagesAsync(string tenant, Guid conversationId, string? userId, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command(
            """
            SELECT j.id, j.question, j.status, j.spec::text,
                   CASE WHEN j.result IS NULL THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object(
                       'row_count', CASE WHEN jsonb_typeof(j.result->'rows') = 'array' THEN jsonb_array_length(j.result->'rows') END,
                       'columns', j.result->'columns',
                       'metric_versions', j.result->'metric_versions',
                       'as_of', j.result->'as_of',
                       'cache', j.result->'cache',
                       'warnings', j.result->'warnings'))::text END,
                   (to_jsonb(j)->'clarification')::text,
                   j.error, j.created_at, j.finished_at
            FROM analytics_jobs j
            WHERE j.conversation_id = $1 AND ($2::text IS NULL OR j.user_id = $2)
            ORDER BY j.created_at, j.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var messages = new List<ConversationMessage>();
        while (await reader.ReadAsync(ct))
        {
            messages.Add(new ConversationMessage(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                Json(reader, 3), Json(reader, 4), Json(reader, 5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return messages.Count > 0 ? messages : throw new NotFoundException($"conversation '{conversationId}' does not exist");
    }

    /// <summary>Stores <paramref name="userId"/>'s rating of a job (a second rating replaces the first); <see cref="NotFoundException"/> for a job the tenant does not have.</summary>
    public async Task<Feedback> RateAsync(string tenant, Guid jobId, string userId, string rating, string? comment, CancellationToken ct)
    {
        if (!FeedbackRatings.All.Contains(rating))
        {
            throw new UserErrorException($"rating '{rating}' is not one of {string.Join(", ", FeedbackRatings.All)}");
        }

        if (comment is { Length: > 4000 })
        {
            throw new UserErrorException($"comment has {comment.Length} characters; at most 4000 are kept");
        }

        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var command = session.Command(
            """
            INSERT INTO analytics_feedback AS f (tenant_id, job_id, user_id, rating, comment)
            SELECT j.tenant_id, j.id, $2, $3, $4 FROM analytics_jobs j WHERE j.id = $1
            ON CONFLICT (tenant_id, job_id, user_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, created_at = now()
            RETURNING f.id, f.created_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = jobId });
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = rating });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)comment ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        Feedback? feedback = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                feedback = new Feedback(reader.GetGuid(0), jobId, userId, rating, comment, reader.GetFieldValue<DateTimeOffset>(1));
            }
        }

        if (feedback is null)
        {
            throw new NotFoundException($"job '{jobId}' does not exist");
        }

        await session.CommitAsync(ct);
        return feedback;
    }

    private static JsonNode? Json(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : JsonNode.Parse(reader.GetString(ordinal));
}
