using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Overview;

/// <summary>
/// The card of one catalog category. Its key metrics are computed through specs and the query executor, like any answer
/// (so every formula stays in the catalog): the latest closed sprint per team with <c>compare: previous_period</c> (value,
/// previous value, change), the last N sprints per team for the sparkline (<c>group_by: [team, sprint]</c>; a metric with no
/// per-sprint value, such as lead time, is drawn over the last 2N weeks instead), and the z-scores (computed from the
/// catalog definitions) of each team's latest sprint (<see cref="SprintZScoreReader"/>).
/// </summary>
public sealed class CategoryOverviewProvider(string category, QueryExecutor queries, SpiralDataSources data, IOptions<OverviewOptions> options)
    : IOverviewProvider
{
    public string Name => category;

    public static string TitleOf(string category) => category.Length == 0 ? category : char.ToUpperInvariant(category[0]) + category[1..].Replace('_', ' ');

    /// <summary>The category's metrics the overview shows: the configured key metrics that belong to it, else its first ones.</summary>
    public static IReadOnlyList<MetricDefinition> KeyMetrics(MetricCatalog catalog, string category, OverviewOptions options)
    {
        bool Usable(MetricDefinition m) => m.IsActive && m.Category == category && m.Dimensions.Contains(Dimensions.Team);
        var listed = (options.KeyMetrics ?? OverviewOptions.DefaultKeyMetrics)
            .Select(catalog.Find).OfType<MetricDefinition>().Where(Usable).Take(SpecLimits.MaxMetrics).ToList();
        return listed.Count > 0 ? listed : catalog.All.Where(Usable).Take(options.MetricsPerCategory).ToList();
    }

    public async Task<OverviewCard> ComputeAsync(OverviewRequest request, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var settings = options.Value;
        var metrics = KeyMetrics(request.Catalog, category, settings);
        if (metrics.Count == 0)
        {
            return new OverviewCard(Name, TitleOf(category), OverviewCard.Ok, null, clock.Elapsed.TotalMilliseconds, [],
                [$"no active metric of category '{category}' can be shown per team"]);
        }

        IReadOnlyList<SpecFilter> filters = request.Team is null ? [] : [new SpecFilter(Dimensions.Team, FilterOps.Eq, [request.Team])];
        var names = metrics.Select(m => m.Name).ToList();
        var bySprint = metrics.Where(m => m.Dimensions.Contains(Dimensions.Sprint)).Select(m => m.Name).ToList();
        var byWeek = metrics.Where(m => !m.Dimensions.Contains(Dimensions.Sprint) && m.Dimensions.Contains(Dimensions.Week)).Select(m => m.Name).ToList();

        var latestTask = queries.ExecuteAsync(new AnalyticsSpec
        {
            Metrics = names, GroupBy = [Dimensions.Team], Filters = filters, Time = new LastSprintsTime(1),
            Compare = new CompareSpec(CompareSpec.PreviousPeriod),
        }, request.Tenant, request.AsOf, null, ct);
        var sprintTask = bySprint.Count == 0 ? Task.FromResult<QueryResult?>(null) : Nullable(queries.ExecuteAsync(new AnalyticsSpec
        {
            Metrics = bySprint, GroupBy = [Dimensions.Team, Dimensions.Sprint], Filters = filters, Time = new LastSprintsTime(settings.SparklineSprints),
        }, request.Tenant, request.AsOf, null, ct));
        var weekTask = byWeek.Count == 0 ? Task.FromResult<QueryResult?>(null) : Nullable(queries.ExecuteAsync(new AnalyticsSpec
        {
            Metrics = byWeek, GroupBy = [Dimensions.Team, Dimensions.Week], Filters = filters, Time = new RollingTime("week", settings.SparklineSprints * 2),
        }, request.Tenant, request.AsOf, null, ct));
        var zTask = ReadZAsync(request, names, ct);
        await Task.WhenAll(latestTask, sprintTask, weekTask, zTask);

        var latest = RowsByTeam(latestTask.Result.Rows);
        var sprints = zTask.Result.ToDictionary(z => z.Team, StringComparer.OrdinalIgnoreCase);
        var result = new List<OverviewMetric>();
        foreach (var metric in metrics)
        {
            var perSprint = bySprint.Contains(metric.Name);
            var series = perSprint ? sprintTask.Result : weekTask.Result;
            var teams = new List<OverviewTeamValue>();
            foreach (var team in request.Teams)
            {
                var row = latest.GetValueOrDefault(team);
                var value = Number(row, metric.Name);
                var previous = Number(row, metric.Name + "__previous");
                var delta = value - previous;
                var trend = delta is null ? "none" : Math.Abs(delta.Value) < 1e-9 ? "flat" : delta > 0 ? "up" : "down";
                string? assessment = trend switch
                {
                    "none" => null,
                    "flat" => "same",
                    _ when metric.Direction == MetricDirections.Neutral => null,
                    _ => (trend == "up") == (metric.Direction == MetricDirections.HigherIsBetter) ? "better" : "worse",
                };
                var sprint = sprints.GetValueOrDefault(team);
                var z = sprint?.Z.GetValueOrDefault(metric.Name);
                var spark = series is null
                    ? []
                    : series.Rows.Where(r => string.Equals((string?)r[Dimensions.Team], team, StringComparison.OrdinalIgnoreCase))
                        .Select(r => new SparkPoint((string?)r[perSprint ? Dimensions.Sprint : Dimensions.Week] ?? "", Number(r, metric.Name)))
                        .ToList();
                teams.Add(new OverviewTeamValue(team, sprint?.Sprint, value, previous, Number(row, metric.Name + "__change"), trend, assessment, spark,
                    z is null ? null : Math.Round(z.Value, 3), z is { } score && Math.Abs(score) >= settings.AnomalyZ));
            }

            result.Add(new OverviewMetric(metric.Name, metric.DisplayName, metric.Unit, metric.Direction, metric.Version,
                perSprint ? "sprint" : "week", teams));
        }

        var warnings = latestTask.Result.Warnings.Where(w => !w.StartsWith("default time window", StringComparison.Ordinal)).Distinct().ToList();
        return new OverviewCard(Name, TitleOf(category), OverviewCard.Ok, null, Math.Round(clock.Elapsed.TotalMilliseconds, 1), result, warnings);
    }

    private async Task<IReadOnlyList<SprintZScores>> ReadZAsync(OverviewRequest request, IReadOnlyList<string> metrics, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, request.TenantId, ct);
        var rows = await SprintZScoreReader.ReadAsync(session, request.Catalog, request.AsOf, metrics, 1, request.Team is null ? null : [request.Team], ct);
        await session.CommitAsync(ct);
        return rows;
    }

    private static async Task<QueryResult?> Nullable(Task<QueryResult> task) => await task;

    private static Dictionary<string, JsonObject> RowsByTeam(IReadOnlyList<JsonObject> rows)
    {
        var byTeam = new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            if ((string?)row[Dimensions.Team] is { } team)
            {
                byTeam[team] = row;
            }
        }

        return byTeam;
    }

    private static double? Number(JsonObject? row, string column) =>
        row?[column] is JsonValue v && v.TryGetValue<double>(out var d) ? Math.Round(d, 6) : null;
}
