using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>What became of a spec an MCP client sent: the answer, or the typed errors; always the job that records it.</summary>
public sealed record McpQueryOutcome(Guid JobId, QueryResult? Result, IReadOnlyList<SpecError> Errors);

/// <summary>
/// Runs a ready-made spec exactly as <c>POST /api/v1/query</c> does (<see cref="QueryExecutor"/>: validate against the
/// catalog and the tenant's values, plan, execute as the runtime role with the tenant set) and, unlike that endpoint,
/// records it as a job row of <c>analytics_jobs</c> through its stages, so every query an assistant runs is audited with
/// the user, spec, SQL, metric versions, data version, durations and result or error. The answer comes through
/// <see cref="QueryService"/> like that endpoint's: from the answer cache when the same spec was answered under the same
/// data version (<c>cache: hit</c>, and the job row's <c>cache_hit</c>).
/// </summary>
public sealed class McpQueryRunner(
    QueryExecutor executor,
    QueryService queries,
    TenantContextCache contexts,
    JobStore jobs,
    TenantDirectory tenants,
    SpiralDataSources data,
    ILogger<McpQueryRunner> logger,
    TimeProvider? clock = null)
{
    /// <summary>The <c>translator</c> column of these jobs: the spec came from the MCP client's model.</summary>
    public const string Source = "mcp";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<McpQueryOutcome> RunAsync(string tenant, string? userId, JsonElement spec, DateTimeOffset? asOf, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var text = SpecText(spec);
        var parsed = SpecJson.Parse(text);
        var at = (asOf ?? _clock.GetUtcNow()).ToUniversalTime();
        var stored = parsed.IsValid || IsObject(text) ? text : null;
        var job = await jobs.CreateForSpecAsync(tenantId, userId, Source, stored, at, ct);
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        try
        {
            if (!parsed.IsValid)
            {
                return await RejectAsync(tenant, job, parsed.Errors, durations, watch);
            }

            ValidatedSpec validated;
            var context = await contexts.GetAsync(tenant, tenantId, ct);
            try
            {
                validated = await executor.ValidateAsync(parsed.Spec!, context, ct);
            }
            catch (SpecValidationException e)
            {
                return await RejectAsync(tenant, job, e.Errors, durations, watch);
            }

            durations["validate"] = Ms(watch);
            await jobs.AdvanceAsync(tenantId, job.Id, JobStatuses.Planning, new StageUpdate(Json(durations)) { Spec = SpecJson.Write(validated.Spec) }, ct);

            var planning = Stopwatch.StartNew();
            var planned = executor.Plan(validated, at);
            var dataVersion = await AnalyticsRefresher.DataVersionAsync(data.Runtime, ct);
            durations["plan"] = Ms(planning);
            var versions = JsonSerializer.Serialize(planned.MetricVersions, AskJsonContext.Default.IReadOnlyDictionaryStringString);
            await jobs.AdvanceAsync(tenantId, job.Id, JobStatuses.Executing,
                new StageUpdate(Json(durations)) { Sql = planned.Built.Sql, MetricVersions = versions, DataVersion = dataVersion }, ct);

            var executing = Stopwatch.StartNew();
            var lookup = await queries.LookupAsync(planned, context, ct);
            var result = await queries.AnswerAsync(planned, lookup, null, ct);
            durations[lookup.Hit is null ? "execute" : "cache"] = Ms(executing);
            await jobs.FinishAsync(tenantId, job.Id, JobStatuses.Completed, new StageUpdate(Json(durations))
            {
                Result = JsonSerializer.Serialize(result, AskJsonContext.Default.QueryResult),
                CacheHit = lookup.Hit is not null,
            }, CancellationToken.None);
            Log.McpJobFinished(logger, "query", tenant, job.Id, JobStatuses.Completed, (long)watch.Elapsed.TotalMilliseconds);
            return new McpQueryOutcome(job.Id, result, []);
        }
        catch (Exception e) when (e is not SpecValidationException)
        {
            var cancelled = e is OperationCanceledException;
            var message = e switch
            {
                OperationCanceledException => "cancelled",
                PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } => "the query took longer than the statement timeout (Query:StatementTimeoutSeconds); narrow the spec",
                UserErrorException user => user.Message,
                _ => $"failed ({e.GetType().Name}); the job id identifies it in the logs",
            };
            await jobs.FinishAsync(tenantId, job.Id, cancelled ? JobStatuses.Cancelled : JobStatuses.Failed,
                new StageUpdate(Json(durations)) { Error = message }, CancellationToken.None);
            Log.McpQueryFailed(logger, e, job.Id, message);
            throw;
        }
    }

    /// <summary>A spec given as a JSON string (some models quote it) is read as the JSON it holds.</summary>
    internal static string SpecText(JsonElement spec) =>
        spec.ValueKind == JsonValueKind.String ? spec.GetString() ?? "" : spec.GetRawText();

    private async Task<McpQueryOutcome> RejectAsync(string tenant, JobRecord job, IReadOnlyList<SpecError> errors,
        Dictionary<string, double> durations, Stopwatch watch)
    {
        durations["validate"] = Ms(watch);
        var message = $"invalid spec:\n{string.Join('\n', errors.Select(e => e.ToString()))}";
        await jobs.FinishAsync(job.TenantId, job.Id, JobStatuses.Failed, new StageUpdate(Json(durations)) { Error = message }, CancellationToken.None);
        Log.McpJobFinished(logger, "query", tenant, job.Id, "rejected", (long)watch.Elapsed.TotalMilliseconds);
        return new McpQueryOutcome(job.Id, null, errors);
    }

    private static bool IsObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static double Ms(Stopwatch watch) => Math.Round(watch.Elapsed.TotalMilliseconds, 1);

    private static string Json(Dictionary<string, double> durations) =>
        JsonSerializer.Serialize(durations, AskJsonContext.Default.DictionaryStringDouble);
}
