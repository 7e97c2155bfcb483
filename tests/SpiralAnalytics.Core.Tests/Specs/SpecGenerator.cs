using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Tests.Specs;

/// <summary>
/// Random specs that are valid by construction (seeded, so a failure reproduces), and hostile strings to put in every
/// string field. Shared by the Core tests (SQL text checks) and the integration tests (every spec executes).
/// </summary>
public sealed class SpecGenerator(MetricCatalog catalog, int seed, Func<string, IReadOnlyList<string>> members)
{
    private readonly Random _random = new(seed);

    /// <summary>Strings an attacker or a confused model might put anywhere.</summary>
    public static readonly IReadOnlyList<string> Hostile =
    [
        "'; DROP TABLE issues; --",
        "x' OR '1'='1",
        "Phoenix\"; SELECT pg_sleep(10); --",
        "/* comment */ team",
        "team UNION SELECT * FROM tenants",
        "velocity) FROM tenants --",
        "$1",
        "Zoë ∑ 🚀 队",
        "\\x27; COPY tenants TO PROGRAM 'id'",
        "sprint_issue_facts; DELETE FROM teams",
    ];

    public AnalyticsSpec Next()
    {
        var active = catalog.Active.ToList();
        var metrics = new List<MetricDefinition>();
        var count = _random.Next(1, 4);
        while (metrics.Count < count)
        {
            var candidate = active[_random.Next(active.Count)];
            if (!metrics.Contains(candidate))
            {
                metrics.Add(candidate);
            }
        }

        var allowed = Dimensions.All.Where(d => metrics.All(m => m.Dimensions.Contains(d))).ToList();
        var groupBy = allowed.OrderBy(_ => _random.Next()).Take(_random.Next(0, Math.Min(3, allowed.Count + 1))).ToList();
        var filterable = allowed.Except(Dimensions.Calendar).Where(d => members(d).Count > 0).ToList();
        var filters = new List<SpecFilter>();
        for (var i = _random.Next(0, 3); i > 0 && filterable.Count > 0; i--)
        {
            var dimension = filterable[_random.Next(filterable.Count)];
            var op = FilterOps.All[_random.Next(FilterOps.All.Count)];
            var pool = members(dimension);
            var values = op is FilterOps.Eq or FilterOps.Neq
                ? [pool[_random.Next(pool.Count)]]
                : pool.OrderBy(_ => _random.Next()).Take(_random.Next(1, Math.Min(3, pool.Count) + 1)).ToList();
            filters.Add(new SpecFilter(dimension, op, values));
        }

        TimeSpec? time = _random.Next(7) switch
        {
            0 => null,
            1 => new LastSprintsTime(_random.Next(1, 8)),
            2 => new CurrentSprintTime(),
            3 => new PeriodTime(PeriodTime.Units[_random.Next(4)], -_random.Next(0, 3)),
            4 => new RollingTime(RollingTime.Units[_random.Next(3)], _random.Next(1, 13)),
            5 => Between(),
            _ => new AllTime(),
        };

        var snapshot = metrics.Any(m => m.Measures.Any(x => AnalyticsModel.FindMeasure(x)?.TimeKind == TimeKind.Snapshot));
        var compare = _random.Next(5) == 0 && time is not AllTime
                      && !groupBy.Any(d => d == Dimensions.Sprint || Dimensions.Calendar.Contains(d))
                      && (!snapshot || time is PeriodTime or RollingTime or BetweenTime);
        var having = _random.Next(5) == 0
            ? new List<HavingClause> { new(metrics[_random.Next(metrics.Count)].Name, HavingOps.All[_random.Next(5)], Math.Round(_random.NextDouble() * 10, 2)) }
            : [];
        var sortable = metrics.Select(m => m.Name).Concat(groupBy).ToList();
        var sort = _random.Next(5) < 2
            ? new List<SortClause> { new(sortable[_random.Next(sortable.Count)], SortDirections.All[_random.Next(2)]) }
            : [];
        return new AnalyticsSpec
        {
            Metrics = metrics.Select(m => m.Name).ToList(),
            GroupBy = groupBy,
            Filters = filters,
            Time = time,
            Compare = compare ? new CompareSpec(CompareSpec.PreviousPeriod) : null,
            Having = having,
            Sort = sort,
            Limit = _random.Next(4) == 0 ? _random.Next(1, 60) : null,
        };
    }

    private BetweenTime Between()
    {
        var from = new DateOnly(2013, 1, 1).AddDays(_random.Next(0, 4200));
        return new BetweenTime(from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            from.AddDays(_random.Next(0, 400)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The spec with one string field replaced by <paramref name="hostile"/> (field chosen by <paramref name="field"/>).</summary>
    public static (string Field, AnalyticsSpec Spec) Poison(AnalyticsSpec spec, string hostile, int field) => (field % 13) switch
    {
        0 => ("metrics", spec with { Metrics = [hostile] }),
        1 => ("metrics@version", spec with { Metrics = [spec.Metrics[0] + "@" + hostile] }),
        2 => ("group_by", spec with { GroupBy = [hostile] }),
        3 => ("filters.dimension", spec with { Filters = [new SpecFilter(hostile, FilterOps.In, ["x"])] }),
        4 => ("filters.op", spec with { Filters = [new SpecFilter(Dimensions.Team, hostile, ["x"])] }),
        5 => ("filters.values", spec with { Filters = [new SpecFilter(Dimensions.Team, FilterOps.In, [hostile, "Atlas"])] }),
        6 => ("time.unit", spec with { Time = new PeriodTime(hostile, 0) }),
        7 => ("time.from", spec with { Time = new BetweenTime(hostile, "2024-01-01") }),
        8 => ("compare.type", spec with { Compare = new CompareSpec(hostile) }),
        9 => ("having.metric", spec with { Having = [new HavingClause(hostile, "gt", 1)] }),
        10 => ("having.op", spec with { Having = [new HavingClause(spec.MetricNames.First(), hostile, 1)] }),
        11 => ("sort.by", spec with { Sort = [new SortClause(hostile, SortDirections.Asc)] }),
        _ => ("sort.dir", spec with { Sort = [new SortClause(spec.MetricNames.First(), hostile)] }),
    };
}
