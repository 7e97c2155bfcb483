using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Infrastructure.Ask;

namespace SpiralAnalytics.Api;

/// <summary>A question (<c>POST /api/v1/ask</c>): <c>conversation_id</c> makes it a follow-up; <c>as_of</c> an ISO date or date-time.</summary>
public sealed record AskRequest(string? Question, Guid? ConversationId, string? AsOf);

/// <summary>The 202 answer to an ask: follow <see cref="EventsUrl"/> (SSE) or poll <c>/api/v1/jobs/{id}</c>.</summary>
public sealed record AskResponse(Guid JobId, Guid ConversationId, string Status, string EventsUrl);

public static class AskEndpoints
{
    public static IEndpointRouteBuilder MapAskEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Ask");
        group.MapPost("/ask", AskAsync)
            .WithName("Ask")
            .RequireRateLimiting(RateLimits.Ask)
            .WithBodyLimit(RequestBodies.AskLimit)
            .WithSummary("Ask a question: creates a job that translates, validates, plans and runs it; follow its events_url, or send Accept: text/event-stream to get its events in this response");
        return app;
    }

    /// <remarks>
    /// With <c>Accept: text/event-stream</c> the response is the job's event stream itself (what <c>events_url</c> serves,
    /// from the first event; <c>Location</c> names the job), so an answer takes one request instead of two.
    /// </remarks>
    private static async Task<Results<Accepted<AskResponse>, ServerSentEventsResult<string>>> AskAsync(AskRequest request, HttpContext http, AskService asks,
        JobEventReader reader, CancellationToken ct)
    {
        var asOf = AsOfText.Parse(request.AsOf, "as_of");
        var streams = http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
        var accepted = await asks.SubmitAsync(http.User.Tenant(), http.User.UserId(), request.Question ?? "", request.ConversationId, asOf, answerHere: streams, ct);
        var job = accepted.Job;
        if (streams)
        {
            http.Response.Headers.Location = $"/api/v1/jobs/{job.Id}";
            return JobEndpoints.Stream(http, ThenAsync(reader.ReadAsync(job.TenantId, job.Id, 0, ct), accepted.Shared), ct);
        }

        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}",
            new AskResponse(job.Id, job.ConversationId!.Value, job.Status, accepted.EventsUrl));
    }

    /// <summary>The items, and then the end of the response only once <paramref name="after"/> is done (it never fails).</summary>
    private static async IAsyncEnumerable<JobStreamItem> ThenAsync(IAsyncEnumerable<JobStreamItem> items, Task after)
    {
        await foreach (var item in items)
        {
            yield return item;
        }

        await after;
    }
}

/// <summary>A job as <c>GET /api/v1/jobs/{id}</c> shows it: the audit record of what was asked and what ran.</summary>
public sealed record JobView(
    Guid Id,
    Guid? ConversationId,
    string? Question,
    string Status,
    string? Translator,
    JsonNode? Spec,
    string? Sql,
    JsonNode? MetricVersions,
    JsonNode? StageDurations,
    bool? CacheHit,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Result { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Clarification { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Notes { get; init; }

    public static JobView From(JobRecord job) =>
        new(job.Id, job.ConversationId, job.Question, job.Status, job.Translator, job.Spec, job.Sql, job.MetricVersions,
            job.StageDurations, job.CacheHit, job.CreatedAt, job.StartedAt, job.FinishedAt)
        {
            Result = job.Result,
            Clarification = job.Clarification,
            Error = job.Error,
            Notes = job.Notes is JsonArray { Count: > 0 } ? job.Notes : null,
        };
}
