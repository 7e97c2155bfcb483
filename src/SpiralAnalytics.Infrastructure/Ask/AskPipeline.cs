using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>How a run of the pipeline ended.</summary>
public enum AskRunOutcome
{
    /// <summary>The job was already final, or cancelled before it started: nothing ran.</summary>
    Skipped,

    /// <summary>The job reached a final status in this run.</summary>
    Finished,
}

/// <summary>
/// The stages of one question: translate → validate → plan → (cache) → execute, each a status of the job row and an
/// event of its stream; the same code runs in the Hangfire job and in <c>spiral ask</c>. Answers the pipeline can give
/// (a clarification, an invalid spec, a timeout, a cancel) finish the job; only a transient database error is thrown
/// for the job to be retried, unless <c>lastAttempt</c>, when it finishes the job as failed. A run of a final job does
/// nothing and a re-run re-emits the same sequence numbers, which the stream ignores: running a job twice is harmless.
/// </summary>
public sealed class AskPipeline(
    JobStore jobs,
    IJobEventStream events,
    IQuestionTranslator translator,
    QueryExecutor executor,
    QueryService queries,
    QuestionCache questions,
    JobCancellations cancellations,
    VerifiedQuestionStore verified,
    CatalogReader catalogs,
    IOptions<VerifiedQuestionOptions> verifiedOptions,
    IOptions<AskOptions> options,
    ILogger<AskPipeline> logger)
{
    /// <summary>The translator name of an answer given with a verified question's spec.</summary>
    public const string VerifiedTranslator = "verified";

    public async Task<AskRunOutcome> RunAsync(string tenant, Guid tenantId, Guid jobId, bool lastAttempt, CancellationToken ct)
    {
        var job = await jobs.TryStartAsync(tenantId, jobId, ct);
        if (job is null)
        {
            Log.AskSkipped(logger, jobId);
            return AskRunOutcome.Skipped;
        }

        using var run = cancellations.Register(jobId, ct);
        using var watch = new CancellationTokenSource();
        var watcher = WatchForCancelAsync(tenantId, jobId, run, watch.Token);
        var emitter = new Emitter(events, jobs, job);
        try
        {
            await RunStagesAsync(tenant, job, emitter, run.Token);
            return AskRunOutcome.Finished;
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            Log.AskCancelled(logger, jobId, emitter.Status);
            await FinishAsync(job, emitter, JobStatuses.Cancelled, new StageUpdate(emitter.DurationsJson) { Error = "cancelled" },
                e => e with { Detail = $"cancelled while {emitter.Status}", Error = "cancelled" });
            return AskRunOutcome.Finished;
        }
        catch (Exception e) when (e is not OperationCanceledException && AskRetryPolicy.IsTransient(e) && !lastAttempt)
        {
            Log.AskRetrying(logger, jobId, emitter.Status, e.Message);
            await jobs.RecordErrorAsync(tenantId, jobId, $"attempt {job.Attempts} failed while {emitter.Status}: {e.Message}", CancellationToken.None);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var message = Message(e, out var expected);
            if (expected)
            {
                Log.AskFailed(logger, jobId, emitter.Status, message);
            }
            else
            {
                Log.AskCrashed(logger, e, jobId, emitter.Status);
            }

            await FinishAsync(job, emitter, JobStatuses.Failed, new StageUpdate(emitter.DurationsJson) { Error = message },
                ev => ev with { Detail = $"failed while {emitter.Status}", Error = message });
            return AskRunOutcome.Finished;
        }
        finally
        {
            await watch.CancelAsync();
            await watcher;
        }
    }

    private async Task RunStagesAsync(string tenant, JobRecord job, Emitter emitter, CancellationToken ct)
    {
        var asOf = job.AsOf ?? job.CreatedAt;

        // translating (the row is already there: TryStart moved it)
        await emitter.EmitAsync(JobStatuses.Translating, "translating the question", ct);
        var clock = Stopwatch.StartNew();
        // The tenant's context once (catalog, dimension members, stamp), and the question looked up before any translation.
        var lookup = await questions.LookupAsync(tenant, job.TenantId, job.Question ?? "", job.ConversationId, job.CreatedAt, job.Id, asOf, ct);
        if (lookup.Hit is { } remembered)
        {
            emitter.Durations["cache"] = Ms(clock);
            // The remembered answer's views are this data version's; the loads since then are read now.
            remembered = remembered with { Result = remembered.Result with { Freshness = lookup.Context.Freshness } };
            var hit = Remembered(job.Question, remembered, emitter.Durations);
            // Every stage still gets its event, so a re-run of a job numbers its events as the first run did.
            var unchanged = new StageUpdate(emitter.DurationsJson);
            foreach (var stage in new[] { JobStatuses.Validating, JobStatuses.Planning, JobStatuses.Executing })
            {
                await emitter.AdvanceAsync(stage, "answer found in the question cache", unchanged, ct);
            }

            await FinishAsync(job, emitter, JobStatuses.Completed, hit.Update, e => e with { Detail = hit.Detail, Result = hit.Node });
            Log.AskCompleted(logger, job.Id, "hit", remembered.Result.Rows.Count, (long)emitter.Durations.Values.Sum());
            return;
        }

        var context = lookup.Context;
        var previousSpec = lookup.Previous;
        // Verified questions first: an admin confirmed their spec, so a match needs no translation.
        var (match, skipped) = await MatchVerifiedAsync(context, job, followsUp: previousSpec is not null, ct);
        var outcome = match is not null
            ? TranslationOutcome.Of(match.Pair.ParsedSpec(), VerifiedTranslator,
                [$"answered with the spec of the verified question \"{match.Pair.Question}\" ({Describe(match)})"])
            : await translator.TranslateAsync(context, new TranslationRequest(job.Question ?? "", asOf, previousSpec), ct);
        if (skipped is not null)
        {
            outcome = outcome with { Notes = [skipped, .. outcome.Notes] };
        }

        emitter.Durations["translate"] = Ms(clock);
        var notes = JsonSerializer.Serialize(outcome.Notes, AskJsonContext.Default.IReadOnlyListString);
        if (outcome.Clarification is { } clarification)
        {
            await FinishAsync(job, emitter, JobStatuses.Clarification,
                new StageUpdate(emitter.DurationsJson)
                {
                    Translator = outcome.Translator,
                    Notes = notes,
                    Clarification = JsonSerializer.Serialize(clarification, AskJsonContext.Default.Clarification),
                },
                e => e with { Detail = clarification.Reason, Clarification = clarification });
            return;
        }

        var spec = outcome.Spec ?? throw new InvalidOperationException($"translator '{outcome.Translator}' returned neither a spec nor a clarification");

        // validating
        await emitter.AdvanceAsync(JobStatuses.Validating,
            match is null ? $"translated by {outcome.Translator}" : $"answered from a verified question ({Describe(match)})",
            new StageUpdate(emitter.DurationsJson) { Translator = outcome.Translator, Spec = SpecJson.Write(spec), Notes = notes }, ct);
        clock.Restart();
        var validated = await executor.ValidateAsync(spec, context, ct);
        emitter.Durations["validate"] = Ms(clock);

        // planning
        await emitter.AdvanceAsync(JobStatuses.Planning, "building the query",
            new StageUpdate(emitter.DurationsJson) { Spec = SpecJson.Write(validated.Spec) }, ct);
        clock.Restart();
        var planned = executor.Plan(validated, asOf);
        var dataVersion = context.Stamp.DataVersion;
        var lookedUp = await queries.LookupAsync(planned, context, ct);
        var cached = lookedUp.Hit;
        emitter.Durations["plan"] = Ms(clock);
        var planUpdate = new StageUpdate(emitter.DurationsJson)
        {
            Sql = planned.Built.Sql,
            MetricVersions = JsonSerializer.Serialize(planned.VersionStamps, AskJsonContext.Default.IReadOnlyDictionaryStringString),
            DataVersion = dataVersion,
        };

        // executing (a cache hit is served in this stage too, so every completed job shows the same stages)
        await emitter.AdvanceAsync(JobStatuses.Executing,
            cached is null ? "running the query" : $"answer found in the cache ({cached.Tier}, data version {dataVersion.ToString(CultureInfo.InvariantCulture)})",
            planUpdate, ct);
        clock.Restart();
        var result = await queries.AnswerAsync(planned, lookedUp, job.Question, ct);
        emitter.Durations[cached is null ? "execute" : "cache"] = Ms(clock);

        var answer = result with
        {
            Question = job.Question,
            TimingsMs = new Dictionary<string, double>(emitter.Durations),
            Verified = match is null ? null : new VerifiedAnswer(match.Pair.Id, match.Pair.Question, match.Kind, match.Similarity),
        };
        // Remembered before the final event: a client that asks again on seeing it finds the answer.
        await questions.RememberAsync(lookup,
            new RememberedAnswer(outcome.Translator, outcome.Notes, planned.Built.Sql, planned.VersionStamps, dataVersion, answer), ct);
        var node = JsonSerializer.SerializeToNode(answer, AskJsonContext.Default.QueryResult);
        await FinishAsync(job, emitter, JobStatuses.Completed,
            new StageUpdate(emitter.DurationsJson)
            {
                Result = node!.ToJsonString(),
                CacheHit = cached is not null,
                Sql = planned.Built.Sql,
                MetricVersions = planUpdate.MetricVersions,
                DataVersion = dataVersion,
            },
            e => e with { Detail = $"{answer.Rows.Count.ToString(CultureInfo.InvariantCulture)} row(s), cache {answer.Cache}", Result = node });
        Log.AskCompleted(logger, job.Id, answer.Cache, answer.Rows.Count, (long)emitter.Durations.Values.Sum());
    }

    /// <summary>What a job answered from the question cache records and streams: the remembered answer as a cache hit.</summary>
    public static (StageUpdate Update, JsonNode Node, string Detail) Remembered(string? question, RememberedAnswer remembered, IReadOnlyDictionary<string, double> durations)
    {
        var answer = remembered.Result with { Question = question, Cache = "hit", TimingsMs = new Dictionary<string, double>(durations) };
        var node = JsonSerializer.SerializeToNode(answer, AskJsonContext.Default.QueryResult)!;
        var update = new StageUpdate(JsonSerializer.Serialize(new Dictionary<string, double>(durations), AskJsonContext.Default.DictionaryStringDouble))
        {
            Translator = remembered.Translator,
            Notes = JsonSerializer.Serialize(remembered.Notes, AskJsonContext.Default.IReadOnlyListString),
            Spec = answer.Spec.ToJsonString(),
            Sql = remembered.Sql,
            MetricVersions = JsonSerializer.Serialize(remembered.MetricVersions, AskJsonContext.Default.IReadOnlyDictionaryStringString),
            DataVersion = remembered.DataVersion,
            Result = node.ToJsonString(),
            CacheHit = true,
        };
        return (update, node, $"{answer.Rows.Count.ToString(CultureInfo.InvariantCulture)} row(s), cache hit (question seen before)");
    }

    /// <summary>
    /// The verified pair that answers the job's question, if any, and still can: its metrics unchanged in meaning (no
    /// deprecation, no new major version) and its spec valid for the tenant today. A pair that matched but cannot answer
    /// is left to <c>spiral verified check</c>; the note says so and the translator answers.
    /// </summary>
    /// <param name="followsUp">
    /// The conversation has an earlier spec, so the question may be a follow-up ("and for Atlas?") that means something only
    /// with it: then only the same text answers, never a merely similar verified question.
    /// </param>
    private async Task<(VerifiedMatch? Match, string? Skipped)> MatchVerifiedAsync(QuestionContext context, JobRecord job, bool followsUp, CancellationToken ct)
    {
        if (!verifiedOptions.Value.Enabled || !context.HasVerifiedQuestions || string.IsNullOrWhiteSpace(job.Question))
        {
            return (null, null);
        }

        VerifiedMatch? match;
        try
        {
            match = await verified.MatchAsync(context.Tenant, job.Question, allowSimilar: !followsUp, ct);
        }
        catch (HttpRequestException e)
        {
            Log.VerifiedLookupFailed(logger, e.Message); // a remote embedder down: the translator still answers
            return (null, null);
        }

        if (match is null)
        {
            return (null, null);
        }

        var problems = VerifiedDrift.VersionProblems(match.Pair.MetricVersions, await catalogs.LoadAsync(ct)).ToList();
        if (problems.Count == 0)
        {
            try
            {
                await executor.ValidateAsync(match.Pair.ParsedSpec(), context, ct);
            }
            catch (SpecValidationException e)
            {
                problems.AddRange(e.Errors.Select(error => error.ToString()));
            }
        }

        if (problems.Count > 0)
        {
            Log.VerifiedMatchUnusable(logger, job.Id, match.Pair.Id, problems[0]);
            return (null, $"the verified question \"{match.Pair.Question}\" matched but was not used ({problems[0]}); an admin should re-verify it");
        }

        Log.AskAnsweredVerified(logger, job.Id, match.Pair.Id, match.Kind, match.Similarity);
        return (match, null);
    }

    private static string Describe(VerifiedMatch match) => match.Kind == VerifiedMatch.Exact
        ? "same question"
        : $"similarity {match.Similarity.ToString("0.00", CultureInfo.InvariantCulture)}";

    private async Task FinishAsync(JobRecord job, Emitter emitter, string status, StageUpdate update, Func<JobEvent, JobEvent> decorate)
    {
        // The final write must happen even when the run's token is what stopped it.
        if (await jobs.FinishAsync(job.TenantId, job.Id, status, update, CancellationToken.None))
        {
            await emitter.EmitAsync(status, null, CancellationToken.None, decorate);
        }
    }

    private async Task WatchForCancelAsync(Guid tenantId, Guid jobId, JobCancellations.Registration run, CancellationToken stop)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.CancelPollMilliseconds);
        try
        {
            while (!stop.IsCancellationRequested && !run.Token.IsCancellationRequested)
            {
                await Task.Delay(interval, stop);
                if (await jobs.CancelRequestedAsync(tenantId, jobId, stop))
                {
                    run.Cancel();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the run ended
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Log.CancelPollFailed(logger, jobId, e.Message); // a cancel from another node then waits for the run to end
        }
    }

    private static double Ms(Stopwatch clock) => Math.Round(clock.Elapsed.TotalMilliseconds, 1);

    private static string Message(Exception e, out bool expected)
    {
        expected = true;
        switch (e)
        {
            case UserErrorException user:
                return user.Details.Count == 0 ? user.Message : $"{user.Message}:\n{string.Join('\n', user.Details)}";
            case PostgresException { SqlState: PostgresErrorCodes.QueryCanceled }:
                return "the query took longer than the statement timeout (Query:StatementTimeoutSeconds); narrow the question";
            case ServiceUnavailableException unavailable:
                return unavailable.Message;
            default:
                expected = false;
                // What the user reads: no exception name, message or SQL (the log has them, under the job id).
                return AskRetryPolicy.IsTransient(e)
                    ? "the database kept failing; try again"
                    : "an internal error stopped this question; the job id identifies it in the logs";
        }
    }

    /// <summary>Numbers the job's events: 1 is <c>queued</c> (written when the job was created), then one per stage.</summary>
    private sealed class Emitter(IJobEventStream events, JobStore jobs, JobRecord job)
    {
        private long _seq = 1;

        public string Status { get; private set; } = JobStatuses.Queued;

        public Dictionary<string, double> Durations { get; } = new(StringComparer.Ordinal);

        public string DurationsJson => JsonSerializer.Serialize(Durations, AskJsonContext.Default.DictionaryStringDouble);

        public async Task AdvanceAsync(string status, string? detail, StageUpdate update, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            await jobs.AdvanceAsync(job.TenantId, job.Id, status, update, ct);
            await EmitAsync(status, detail, ct);
        }

        public async Task EmitAsync(string status, string? detail, CancellationToken ct, Func<JobEvent, JobEvent>? decorate = null)
        {
            var now = DateTimeOffset.UtcNow;
            var e = new JobEvent(++_seq, job.Id, status, now, Math.Max(0, Math.Round((now - job.CreatedAt).TotalMilliseconds, 1))) { Detail = detail };
            await events.AppendAsync(decorate is null ? e : decorate(e), ct);
            Status = status;
        }
    }
}
