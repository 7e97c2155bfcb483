using System.Diagnostics;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>Where a created job goes to be run: Hangfire when this process has it configured, else a task in this process.</summary>
public interface IAskQueue
{
    void Enqueue(string tenant, Guid tenantId, Guid jobId);
}

/// <summary>Enqueues <see cref="IAskJob"/> on the <c>ask</c> queue of the shared Hangfire storage (any node's workers run it).</summary>
public sealed class HangfireAskQueue(IBackgroundJobClient client) : IAskQueue
{
    public void Enqueue(string tenant, Guid tenantId, Guid jobId) =>
        client.Enqueue<IAskJob>(AskJob.Queue, job => job.RunAsync(tenantId, jobId, null, CancellationToken.None));
}

/// <summary>Without Hangfire (<c>Jobs:Enabled=false</c>): the pipeline runs on the thread pool of this process, one attempt.</summary>
public sealed class InProcessAskQueue(IServiceScopeFactory scopes, ILogger<InProcessAskQueue> logger) : IAskQueue
{
    public void Enqueue(string tenant, Guid tenantId, Guid jobId) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<AskPipeline>().RunAsync(tenant, tenantId, jobId, lastAttempt: true, CancellationToken.None);
            }
            catch (Exception e)
            {
                Log.AskCrashed(logger, e, jobId, "queued");
            }
        });
}

/// <summary>A job just created: its row, and where its events are.</summary>
public sealed record AskAccepted(JobRecord Job)
{
    public string EventsUrl => $"/api/v1/jobs/{Job.Id}/events";

    /// <summary>
    /// The sending of its events to other nodes, when it was left under way for a caller that reads them here first
    /// (<c>answerHere</c>); that caller waits for it before it ends its response. Never fails.
    /// </summary>
    public Task Shared { get; init; } = Task.CompletedTask;
}

/// <summary>Creates jobs (row + <c>queued</c> event), hands them to the queue, and cancels them.</summary>
public sealed class AskService(
    JobStore jobs,
    ResilientJobEventStream events,
    TenantDirectory tenants,
    JobCancellations cancellations,
    QuestionCache questions,
    TenantContextCache contexts,
    IServiceProvider services,
    IOptions<AskOptions> options,
    ILogger<AskService> logger,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Creates the job and enqueues it; the caller follows its events.</summary>
    /// <remarks>
    /// A question already answered under the same context (<see cref="QuestionCache"/>) is answered here, before any queue:
    /// the job is created completed, its stream holds <c>queued</c> and the final <c>completed</c> event, and no worker runs.
    /// <paramref name="answerHere"/>: the caller relays the events from this process at once (the one-request SSE form), so
    /// an answer from the cache is not held back while its events are sent to Redis; it waits for <see cref="AskAccepted.Shared"/> after.
    /// </remarks>
    public async Task<AskAccepted> SubmitAsync(string tenant, string? userId, string question, Guid? conversationId, DateTimeOffset? asOf, bool answerHere,
        CancellationToken ct)
    {
        var (answered, at) = await AnswerFromCacheAsync(tenant, userId, question, conversationId, asOf, answerHere, ct);
        if (answered is not null)
        {
            return answered;
        }

        var (tenantId, job) = await CreateAsync(tenant, userId, question, conversationId, at, ct);
        try
        {
            services.GetRequiredService<IAskQueue>().Enqueue(tenant, tenantId, job.Id);
        }
        catch (Exception e)
        {
            Log.AskEnqueueFailed(logger, e, job.Id);
            var update = new StageUpdate("{}") { Error = "the job could not be queued; ask again" };
            if (await jobs.FinishAsync(tenantId, job.Id, JobStatuses.Failed, update, CancellationToken.None))
            {
                await events.AppendAsync(Event(job, 2, JobStatuses.Failed) with { Error = update.Error }, CancellationToken.None);
            }

            throw new ServiceUnavailableException("jobs", "the job queue is unavailable", e);
        }

        return new AskAccepted(job);
    }

    /// <remarks>
    /// <para>
    /// A question that starts a conversation, asked by a caller who reads the answer here (<paramref name="answerHere"/>),
    /// under a context the database has announced no change to since this process read it (<see cref="TenantContextCache.Unmoved"/>),
    /// is answered before anything is written: its events first, its row after (<see cref="AnswerThenRecordAsync"/>), so a
    /// repeat costs a cache read. The response ends after the row is written. Until then the job is named only in this
    /// response's events, and its conversation nowhere, so no follow-up can be asked before the row that gives it its
    /// previous spec exists (a follow-up needs the conversation's id, which only the job's record shows).
    /// </para>
    /// <para>
    /// Otherwise the context this process read last for the tenant (<see cref="TenantContextCache.Recent"/>) is tried, without
    /// reading it again: the job row's insert checks in its own statement that it has not moved (<see cref="JobStore.CreateAnsweredAsync"/>).
    /// Only when there is none, or it has moved, is the context read. A question not remembered under an unmoved context is
    /// not looked up again: that context is current.
    /// </para>
    /// </remarks>
    private async Task<(AskAccepted? Answered, DateTimeOffset AsOf)> AnswerFromCacheAsync(string tenant, string? userId, string question, Guid? conversationId, DateTimeOffset? asOf,
        bool answerHere, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (tenantId, text, at) = await CheckAsync(tenant, question, asOf, ct);
        var previous = await questions.PreviousAsync(tenantId, conversationId, _clock.GetUtcNow(), Guid.Empty, ct);
        var unmoved = contexts.Unmoved(tenantId);
        var lookup = (unmoved ?? contexts.Recent(tenantId)) is { } recent ? await questions.LookupAsync(recent, text, previous, at, ct) : null;
        if (lookup?.Hit is not null)
        {
            var answered = unmoved is not null && answerHere && conversationId is null
                ? await AnswerThenRecordAsync(lookup, userId, text, at, clock, ct)
                : await RecordAsync(lookup, userId, conversationId, text, at, clock, answerHere, ct);
            if (answered is not null)
            {
                return (answered, at);
            }
        }
        else if (unmoved is not null)
        {
            return (null, at); // not remembered under a context known current: reading its stamp again would tell nothing new
        }

        var context = await contexts.GetAsync(tenant, tenantId, ct);
        lookup = lookup is not null && lookup.Context.Stamp == context.Stamp
            ? lookup with { Context = context }
            : await questions.LookupAsync(context, text, previous, at, ct);
        return (lookup.Hit is null ? null : await RecordAsync(lookup, userId, conversationId, text, at, clock, answerHere, ct), at);
    }

    /// <summary>The remembered answer as a completed job (row and events); null when the context moved before the row was written.</summary>
    private async Task<AskAccepted?> RecordAsync(QuestionLookup lookup, string? userId, Guid? conversationId, string text, DateTimeOffset at,
        Stopwatch clock, bool answerHere, CancellationToken ct)
    {
        var (remembered, update, node, detail) = Remembered(lookup, text, clock);
        if (await jobs.CreateAnsweredAsync(lookup.Context.TenantId, userId, conversationId ?? Guid.NewGuid(), text, at, update, lookup.Context.Seen, ct) is not { } job)
        {
            return null;
        }

        var shared = await events.AppendHereThenShareAsync(AnsweredEvents(job, node, detail), ct);
        if (!answerHere)
        {
            await shared;
        }

        Log.AskCompleted(logger, job.Id, "hit", remembered.Result.Rows.Count, (long)clock.Elapsed.TotalMilliseconds);
        return new AskAccepted(job) { Shared = shared };
    }

    /// <summary>
    /// The remembered answer as a completed job whose events are written first and its row after, unchecked (the context is
    /// known current): the caller's response ends once the row is written and the events are shared (<see cref="AskAccepted.Shared"/>).
    /// </summary>
    private async Task<AskAccepted> AnswerThenRecordAsync(QuestionLookup lookup, string? userId, string text, DateTimeOffset at,
        Stopwatch clock, CancellationToken ct)
    {
        var (remembered, update, node, detail) = Remembered(lookup, text, clock);
        var job = JobStore.Answered(lookup.Context.TenantId, userId, Guid.NewGuid(), text, at, update, _clock.GetUtcNow());
        var shared = await events.AppendHereThenShareAsync(AnsweredEvents(job, node, detail), ct);
        Log.AskCompleted(logger, job.Id, "hit", remembered.Result.Rows.Count, (long)clock.Elapsed.TotalMilliseconds);
        return new AskAccepted(job) { Shared = Task.WhenAll(shared, RecordAfterAsync(job, update)) };
    }

    /// <summary>Writes the row of a job already answered; a failure is logged (the answer was given), never thrown.</summary>
    private async Task RecordAfterAsync(JobRecord job, StageUpdate update)
    {
        try
        {
            await jobs.RecordAnsweredAsync(job, update, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.AskRecordFailed(logger, e, job.Id);
        }
    }

    private static (RememberedAnswer Remembered, StageUpdate Update, JsonNode Node, string Detail) Remembered(QuestionLookup lookup,
        string text, Stopwatch clock)
    {
        var durations = new Dictionary<string, double>(StringComparer.Ordinal) { ["cache"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1) };
        var remembered = lookup.Hit! with { Result = lookup.Hit!.Result with { Freshness = lookup.Context.Freshness } };
        var (update, node, detail) = AskPipeline.Remembered(text, remembered, durations);
        return (remembered, update, node, detail);
    }

    private JobEvent[] AnsweredEvents(JobRecord job, JsonNode node, string detail) =>
        [Event(job, 1, JobStatuses.Queued) with { Detail = "answered from the cache" }, Event(job, 2, JobStatuses.Completed) with { Detail = detail, Result = node }];

    /// <summary>The question checked (<see cref="UserErrorException"/> when empty or unreadable), the tenant resolved and <c>as_of</c> fixed.</summary>
    private async Task<(Guid TenantId, string Question, DateTimeOffset AsOf)> CheckAsync(string tenant, string question, DateTimeOffset? asOf, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(question))
        {
            throw new UserErrorException("the question is empty: ask about your sprints, e.g. \"spillover by team in the last 3 sprints\"");
        }

        // Line breaks and tabs are how people type; any other control character (a NUL cannot even be stored) is not.
        if (SpecText.Problem(question.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' '), SpecLimits.MaxQuestionLength) is { } problem)
        {
            throw new UserErrorException($"question: {problem}");
        }

        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var at = asOf?.ToUniversalTime() ?? Truncate(_clock.GetUtcNow(), options.Value.AsOfPrecisionSeconds);
        return (tenantId, question.Trim(), at);
    }

    /// <summary>Creates the job row and its <c>queued</c> event (sequence 1) without running it (<c>spiral ask</c> runs it in process).</summary>
    public async Task<(Guid TenantId, JobRecord Job)> CreateAsync(string tenant, string? userId, string question, Guid? conversationId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var (tenantId, text, at) = await CheckAsync(tenant, question, asOf, ct);
        var job = await jobs.CreateAsync(tenantId, userId, conversationId ?? Guid.NewGuid(), text, at, ct);
        await events.AppendAsync(Event(job, 1, JobStatuses.Queued) with { Detail = "waiting for a worker" }, ct);
        Log.AskQueued(logger, job.Id, tenant);
        return (tenantId, job);
    }

    /// <summary>
    /// Cancels a job: a queued one at once (its final <c>cancelled</c> event is written here), a running one by telling its
    /// worker (here, or through the row on another node). Null when the tenant has no such job.
    /// </summary>
    public async Task<(CancelOutcome Outcome, JobRecord? Job)> CancelAsync(Guid tenantId, Guid jobId, CancellationToken ct)
    {
        var (outcome, job) = await jobs.RequestCancelAsync(tenantId, jobId, ct);
        switch (outcome)
        {
            case CancelOutcome.Cancelled:
                await events.AppendAsync(Event(job!, 2, JobStatuses.Cancelled) with { Detail = "cancelled before it started", Error = "cancelled" }, ct);
                break;
            case CancelOutcome.Requested:
                cancellations.Cancel(jobId);
                break;
        }

        Log.AskCancelRequested(logger, jobId, outcome.ToString());
        return (outcome, job);
    }

    /// <summary>
    /// Finishes a job whose last attempt ended without finishing it: <c>failed</c>, and a final event numbered after the last
    /// one written, so its readers end. False (nothing written) when the job is already final or not the tenant's.
    /// </summary>
    public async Task<bool> GiveUpAsync(Guid tenantId, Guid jobId, CancellationToken ct)
    {
        var update = new StageUpdate("{}") { Error = "the job could not be run; ask again" };
        if (!await jobs.FinishAsync(tenantId, jobId, JobStatuses.Failed, update, ct) || await jobs.GetAsync(tenantId, jobId, ct) is not { } job)
        {
            return false;
        }

        var written = await events.ReadAsync(jobId, 0, ct);
        var after = written.Count == 0 ? 0 : written[^1].Seq;
        await events.AppendAsync(Event(job, after + 1, JobStatuses.Failed) with { Detail = "given up after its last attempt", Error = update.Error }, ct);
        return true;
    }

    private JobEvent Event(JobRecord job, long seq, string status)
    {
        var now = _clock.GetUtcNow();
        return new JobEvent(seq, job.Id, status, now, Math.Max(0, Math.Round((now - job.CreatedAt).TotalMilliseconds, 1)));
    }

    private static DateTimeOffset Truncate(DateTimeOffset at, int seconds)
    {
        var ticks = TimeSpan.FromSeconds(seconds).Ticks;
        return new DateTimeOffset(at.UtcTicks - (at.UtcTicks % ticks), TimeSpan.Zero);
    }
}
