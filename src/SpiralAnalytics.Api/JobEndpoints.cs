using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Api.Errors;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api;

/// <summary>
/// A job of the caller's tenant (from the token only; another tenant's job is a 404): its record, its events as
/// Server-Sent Events (<c>Last-Event-ID</c> or <c>?last_event_id=</c> resumes after that sequence number; heartbeats while
/// quiet; the stream ends after the final event), and cancellation.
/// </summary>
public static class JobEndpoints
{
    public const string HeartbeatEvent = "heartbeat";

    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/jobs").WithTags("Jobs");
        group.MapGet("/{id:guid}", GetAsync)
            .WithName("GetJob")
            .WithSummary("A job: question, status, translator, spec, SQL, metric versions, stage durations, cache hit, result or clarification or error");
        group.MapGet("/{id:guid}/events", EventsAsync)
            .WithName("GetJobEvents")
            .WithSummary("The job's stage events as Server-Sent Events, resumable with Last-Event-ID; ends after the final event");
        group.MapPost("/{id:guid}/cancel", CancelAsync)
            .WithName("CancelJob")
            .WithSummary("Cancel a queued or running job (stops its query); 409 when it already finished");
        return app;
    }

    private static async Task<Results<Ok<JobView>, NotFound>> GetAsync(Guid id, HttpContext http, TenantDirectory tenants, JobStore jobs, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        return await jobs.GetAsync(tenantId, id, ct) is { } job ? TypedResults.Ok(JobView.From(job)) : TypedResults.NotFound();
    }

    private static async Task<Results<ServerSentEventsResult<string>, NotFound>> EventsAsync(
        Guid id, HttpContext http, TenantDirectory tenants, JobStore jobs, JobEventReader reader, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        if (!await jobs.ExistsAsync(tenantId, id, ct))
        {
            return TypedResults.NotFound();
        }

        var after = LastEventId(http.Request);
        return Stream(http, reader.ReadAsync(tenantId, id, after, ct), ct);
    }

    /// <summary>A job's events as the SSE response (also of an ask sent with <c>Accept: text/event-stream</c>).</summary>
    public static ServerSentEventsResult<string> Stream(HttpContext http, IAsyncEnumerable<JobStreamItem> items, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold events back
        return TypedResults.ServerSentEvents(Items(items, ct));
    }

    private static async Task<Results<Accepted<JobView>, NotFound, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext http, TenantDirectory tenants, AskService asks, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(http.User.Tenant(), ct);
        var (outcome, job) = await asks.CancelAsync(tenantId, id, ct);
        return outcome switch
        {
            CancelOutcome.NotFound => TypedResults.NotFound(),
            CancelOutcome.AlreadyFinal => TypedResults.Problem(
                $"job {id} already finished ({job!.Status}); only a queued or running job can be cancelled",
                statusCode: StatusCodes.Status409Conflict, title: "The job already finished", type: ApiProblems.TypeFor(409)),
            _ => TypedResults.Accepted($"/api/v1/jobs/{id}", JobView.From(job!)),
        };
    }

    private static async IAsyncEnumerable<SseItem<string>> Items(IAsyncEnumerable<JobStreamItem> items, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in items.WithCancellation(ct))
        {
            if (item.Event is not { } e)
            {
                yield return new SseItem<string>("{}", HeartbeatEvent);
                continue;
            }

            yield return new SseItem<string>(JsonSerializer.Serialize(e, AskJsonContext.Default.JobEvent), e.Status)
            {
                EventId = e.Seq.ToString(CultureInfo.InvariantCulture),
            };
        }
    }

    private static long LastEventId(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].FirstOrDefault() is { Length: > 0 } header ? header : request.Query["last_event_id"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : throw new UserErrorException($"Last-Event-ID '{text}' is not a sequence number of this job's events (1, 2, 3...)");
    }
}
