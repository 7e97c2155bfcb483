using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;
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
/// Conversations (read from <c>analytics_jobs</c>) and feedback on jobs, through <see cref="SpiralDbContext"/> as the runtime
/// role inside a tenant session: another tenant's conversation or job is simply not there (RLS), which the API answers as 404.
/// </summary>
public sealed class ConversationStore(TenantDirectory tenants)
{
    public const int MaxLimit = 200;

    /// <summary>The tenant's conversations, newest activity first: the user's own, or everyone's when <paramref name="userId"/> is null.</summary>
    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(string tenant, string? userId, int limit, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);
        var take = Math.Clamp(limit, 1, MaxLimit);
        var rows = await db.Jobs
            .Where(j => j.ConversationId != null && (userId == null || j.UserId == userId))
            .GroupBy(j => j.ConversationId!.Value)
            .Select(g => new
            {
                Id = g.Key,
                First = g.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).Select(j => new { j.Question, j.UserId }).First(),
                StartedAt = g.Min(j => j.CreatedAt),
                LastAskedAt = g.Max(j => j.CreatedAt),
                Count = g.Count(),
            })
            .OrderByDescending(c => c.LastAskedAt).ThenBy(c => c.Id)
            .Take(take)
            .ToListAsync(ct);
        return rows.Select(c => new ConversationSummary(c.Id, c.First.Question, c.First.UserId, c.StartedAt, c.LastAskedAt, c.Count)).ToList();
    }

    /// <summary>The jobs of a conversation in the order they were asked; <see cref="NotFoundException"/> when the tenant (or the user, if given) has none.</summary>
    public async Task<IReadOnlyList<ConversationMessage>> MessagesAsync(string tenant, Guid conversationId, string? userId, CancellationToken ct)
    {
        await using var session = await tenants.BeginSessionAsync(tenant, ct);
        await using var db = SpiralDb.For(session);

        // The result's summary (without its rows) is built by jsonb functions, which LINQ does not express; columns map by name.
        var rows = await db.Database.SqlQuery<MessageRow>(
            $"""
            SELECT j.id AS "JobId", j.question AS "Question", j.status AS "Status", j.spec::text AS "Spec",
                   CASE WHEN j.result IS NULL THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object(
                       'row_count', CASE WHEN jsonb_typeof(j.result->'rows') = 'array' THEN jsonb_array_length(j.result->'rows') END,
                       'columns', j.result->'columns',
                       'metric_versions', j.result->'metric_versions',
                       'as_of', j.result->'as_of',
                       'cache', j.result->'cache',
                       'warnings', j.result->'warnings'))::text END AS "Summary",
                   j.clarification::text AS "Clarification", j.error AS "Error", j.created_at AS "CreatedAt", j.finished_at AS "FinishedAt"
            FROM analytics_jobs j
            WHERE j.conversation_id = {conversationId} AND ({userId}::text IS NULL OR j.user_id = {userId}::text)
            ORDER BY j.created_at, j.id
            """).ToListAsync(ct);
        var messages = rows.Select(m => new ConversationMessage(m.JobId, m.Question, m.Status, Json(m.Spec), Json(m.Summary), Json(m.Clarification),
            m.Error, m.CreatedAt, m.FinishedAt)).ToList();
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
        await using var db = SpiralDb.For(session);

        // One statement, an upsert on (tenant, job, user) that also proves the job is the tenant's: EF has no upsert.
        var stored = await db.Database.SqlQuery<RatingRow>(
            $"""
            INSERT INTO analytics_feedback AS f (tenant_id, job_id, user_id, rating, comment)
            SELECT j.tenant_id, j.id, {userId}, {rating}, {comment}::text FROM analytics_jobs j WHERE j.id = {jobId}
            ON CONFLICT (tenant_id, job_id, user_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, created_at = now()
            RETURNING f.id AS "Id", f.created_at AS "CreatedAt"
            """).ToListAsync(ct);
        if (stored.Count == 0)
        {
            throw new NotFoundException($"job '{jobId}' does not exist");
        }

        await session.CommitAsync(ct);
        return new Feedback(stored[0].Id, jobId, userId, rating, comment, stored[0].CreatedAt);
    }

    private static JsonNode? Json(string? text) => text is null ? null : JsonNode.Parse(text);

    private sealed record MessageRow(
        Guid JobId, string? Question, string Status, string? Spec, string? Summary, string? Clarification, string? Error,
        DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

    private sealed record RatingRow(Guid Id, DateTimeOffset CreatedAt);
}
