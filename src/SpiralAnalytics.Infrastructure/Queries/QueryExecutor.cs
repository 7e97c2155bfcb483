using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Answers;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>
/// Validates a spec against the catalog (pinned versions read through <see cref="CatalogReader.GetAsync"/>) and the tenant's
/// dimension members, builds it, and runs it as the runtime role with the tenant set transaction-locally, a statement
/// timeout and a row cap from <see cref="QueryOptions"/>.
/// </summary>
public sealed class QueryExecutor(
    SpiralDataSources data,
    CatalogReader catalogs,
    TenantContextCache contexts,
    IOptions<QueryOptions> options,
    ILogger<QueryExecutor> logger,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Spec JSON in; invalid JSON or spec is a <see cref="SpecValidationException"/> listing every error.</summary>
    public Task<QueryResult> ExecuteAsync(string specJson, string tenant, DateTimeOffset? asOf, string? question, CancellationToken ct) =>
        ExecuteAsync(Parse(specJson, tenant), tenant, asOf, question, ct);

    /// <summary>Spec JSON to a spec; invalid JSON or an invalid spec is a <see cref="SpecValidationException"/> listing every error.</summary>
    public AnalyticsSpec Parse(string specJson, string tenant)
    {
        var parsed = SpecJson.Parse(specJson);
        if (!parsed.IsValid)
        {
            Log.QueryRejected(logger, tenant, parsed.Errors.Count);
            throw new SpecValidationException(parsed.Errors);
        }

        return parsed.Spec!;
    }

    public async Task<QueryResult> ExecuteAsync(AnalyticsSpec spec, string tenant, DateTimeOffset? asOf, string? question, CancellationToken ct)
    {
        var validated = await ValidateAsync(spec, await contexts.GetAsync(tenant, ct), ct);
        var planned = Plan(validated, asOf);
        return await ExecuteAsync(planned, question, ct);
    }

    /// <summary>
    /// Checks the spec against the catalog (pinned versions included) and the tenant's dimension members, and puts it in
    /// canonical form; a <see cref="SpecValidationException"/> lists every error.
    /// </summary>
    public async Task<ValidatedSpec> ValidateAsync(AnalyticsSpec spec, string tenant, CancellationToken ct) =>
        await ValidateAsync(spec, await contexts.GetAsync(tenant, ct), ct);

    /// <summary>
    /// Validates against the question's context (its catalog, pinned versions read on demand, and its dimension members,
    /// already loaded): no database read unless the spec pins an older metric version.
    /// </summary>
    public async Task<ValidatedSpec> ValidateAsync(AnalyticsSpec spec, QuestionContext context, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var catalog = await CatalogForAsync(spec, context.TenantId, context.Catalog, ct);
        return Validate(spec, context.Tenant, context.TenantId, catalog, context.Values, clock);
    }

    /// <summary>Validates against a given catalog (a tenant's catalog with a draft in it, for a preview).</summary>
    public async Task<ValidatedSpec> ValidateAsync(AnalyticsSpec spec, string tenant, Guid tenantId, MetricCatalog catalog, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        DimensionValues values;
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            values = await TenantDimensionReader.ReadAsync(session, spec.Filters.Select(f => f.Dimension), ct);
            await session.CommitAsync(ct);
        }

        return Validate(spec, tenant, tenantId, catalog, values, clock);
    }

    private ValidatedSpec Validate(AnalyticsSpec spec, string tenant, Guid tenantId, MetricCatalog catalog, DimensionValues values, Stopwatch clock)
    {
        var errors = new SpecValidator(catalog, values).Errors(spec);
        if (errors.Count > 0)
        {
            Log.QueryRejected(logger, tenant, errors.Count);
            throw new SpecValidationException(errors);
        }

        return new ValidatedSpec(tenant, tenantId, values.Canonicalize(spec), catalog, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>Resolves time against <paramref name="asOf"/> (default: now) and builds the SQL; pure, no database.</summary>
    public PlannedQuery Plan(ValidatedSpec validated, DateTimeOffset? asOf)
    {
        var clock = Stopwatch.StartNew();
        var spec = validated.Spec;
        var at = (asOf ?? _clock.GetUtcNow()).ToUniversalTime();
        var built = QueryBuilder.Build(spec, validated.Catalog, TimeResolver.Resolve(spec.Time, at));
        // A composite (and an analysis) reads its components' z-scores, computed from their definitions: their versions are part
        // of the answer (and of its cache key).
        var used = spec.MetricNames.Concat(spec.MetricNames.Select(validated.Catalog.Get)
            .SelectMany(m => m.Type == MetricTypes.Composite ? ZScoreSql.Components(m, validated.Catalog) : [])
            .Select(m => m.Name));
        var versions = used.Distinct(StringComparer.Ordinal)
            .ToDictionary(n => n, n => validated.Catalog.Get(n).Version, StringComparer.Ordinal);
        var layers = used.Distinct(StringComparer.Ordinal)
            .ToDictionary(n => n, n => validated.Catalog.Get(n).Layer, StringComparer.Ordinal);
        return new PlannedQuery(validated.Tenant, validated.TenantId, spec, at, built, versions, validated.ValidateMs, clock.Elapsed.TotalMilliseconds)
        {
            MetricLayers = layers,
            Catalog = validated.Catalog,
        };
    }

    /// <summary>Runs a planned query as the runtime role; cancelling <paramref name="ct"/> cancels the running statement.</summary>
    public async Task<QueryResult> ExecuteAsync(PlannedQuery planned, string? question, CancellationToken ct)
    {
        var built = planned.Built;
        var executing = Stopwatch.StartNew();
        var settings = options.Value;
        await using var session = await TenantSession.BeginAsync(data.Runtime, planned.TenantId, ct);
        // A query only reads; READ ONLY also holds a tenant's SQL metric (checked at save) to that.
        await using (var readOnly = session.Command("SET TRANSACTION READ ONLY"))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        // JIT off for the transaction: built queries read small materialized views, and compiling the wide plans of the
        // analyses and anomaly flags took 0.4–11 s (measured) where executing them takes milliseconds.
        await using (var timeout = session.Command("SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true)"))
        {
            timeout.Parameters.Add(new NpgsqlParameter { Value = (settings.StatementTimeoutSeconds * 1000).ToString(CultureInfo.InvariantCulture) });
            await timeout.ExecuteNonQueryAsync(ct);
        }

        var rows = new List<JsonObject>();
        var warnings = built.Warnings.ToList();
        await using (var command = session.Command(built.Sql))
        {
            foreach (var value in built.Parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (rows.Count == settings.MaxRows)
                {
                    warnings.Add($"result cut at {settings.MaxRows} rows (Query:MaxRows); narrow the question or add a limit");
                    Log.RowCapReached(logger, planned.Tenant, settings.MaxRows);
                    break;
                }

                var row = new JsonObject();
                for (var i = 0; i < built.Columns.Count; i++)
                {
                    row[built.Columns[i].Name] = Value(reader.GetValue(i));
                }

                rows.Add(row);
            }
        }

        if (built.InProgress is { } probe)
        {
            warnings.AddRange(InProgressWarnings.For(await InProgressAsync(session, probe, ct), probe.CurrentSprint, planned.AsOf));
        }

        var freshness = await DataFreshness.ReadAsync(session, ct);
        await session.CommitAsync(ct);
        var columns = built.Columns;
        AnalysisReport? analysis = null;
        if (planned.Spec.Analysis is { } form)
        {
            var answer = form == AnalysisForms.Diagnose
                ? DiagnosisComposer.Diagnose(rows, planned.Catalog)
                : DiagnosisComposer.Anomalies(rows, planned.Catalog, TimeResolver.Resolve(planned.Spec.Time, planned.AsOf).Current.Describe());
            (columns, rows, analysis) = (answer.Columns, answer.Rows.ToList(), answer.Report);
        }

        var executeMs = executing.Elapsed.TotalMilliseconds;
        var planMs = planned.ValidateMs + planned.PlanMs;
        Log.QueryExecuted(logger, planned.Tenant, rows.Count, (long)planMs, (long)executeMs);
        return new QueryResult
        {
            Question = question,
            Spec = SpecJson.ToNode(planned.Spec),
            AsOf = planned.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Columns = columns,
            Rows = rows,
            MetricVersions = planned.MetricVersions,
            MetricLayers = planned.MetricLayers,
            Sql = built.Sql,
            Cache = "none",
            Warnings = warnings,
            Understood = SpecDescriber.Describe(planned.Spec, planned.Catalog, planned.AsOf),
            Summary = ResultSummarizer.Summarize(planned.Spec, built.Columns, rows, planned.Catalog),
            TimingsMs = new Dictionary<string, double> { ["plan"] = Math.Round(planMs, 1), ["execute"] = Math.Round(executeMs, 1) },
            Analysis = analysis,
            Freshness = freshness,
        };
    }

    /// <summary>The sprints in progress where the answer's window ends (team, sprint, end, state).</summary>
    private static async Task<List<InProgressSprint>> InProgressAsync(TenantSession session, SprintProbe probe, CancellationToken ct)
    {
        var sprints = new List<InProgressSprint>();
        await using var command = session.Command(probe.Sql);
        foreach (var value in probe.Parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            sprints.Add(new InProgressSprint(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)), reader.GetString(3)));
        }

        return sprints;
    }

    /// <summary>The current catalog with every pinned metric at its pinned version; an unknown version is a spec error.</summary>
    private async Task<MetricCatalog> CatalogForAsync(AnalyticsSpec spec, Guid tenantId, MetricCatalog catalog, CancellationToken ct)
    {
        var pinned = new Dictionary<string, MetricDefinition>(StringComparer.Ordinal);
        var errors = new List<SpecError>();
        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            var name = AnalyticsSpec.MetricName(spec.Metrics[i]);
            var version = AnalyticsSpec.MetricVersion(spec.Metrics[i]);
            if (version is null || catalog.Find(name) is not { } current || version == current.Version || !SemanticVersion.TryParse(version, out _))
            {
                continue;
            }

            try
            {
                pinned[name] = await catalogs.GetAsync(tenantId, name, version, ct);
            }
            catch (NotFoundException e)
            {
                errors.Add(new SpecError($"metrics[{i}]", spec.Metrics[i], e.Message, [current.Version], [$"{name}@{current.Version}"]) { Rule = "metric_version" });
            }
        }

        if (errors.Count > 0)
        {
            throw new SpecValidationException(errors);
        }

        return pinned.Count == 0 ? catalog : new MetricCatalog(catalog.All.Select(m => pinned.GetValueOrDefault(m.Name) ?? m));
    }

    private static JsonNode? Value(object value) => value switch
    {
        DBNull => null,
        string s => JsonValue.Create(s),
        decimal d => JsonValue.Create((double)d),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        float f => JsonValue.Create((double)f),
        long l => JsonValue.Create((double)l),
        int n => JsonValue.Create((double)n),
        short n => JsonValue.Create((double)n),
        DateTime t => JsonValue.Create(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        bool b => JsonValue.Create(b),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
