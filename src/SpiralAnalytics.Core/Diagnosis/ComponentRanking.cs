namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// How the components of a diagnosed sprint are ordered. Each component gets three signals on one σ-like scale, oriented
/// so that positive is worse (the catalog direction of the component):
/// <list type="bullet">
/// <item><b>z</b>: the z-score against the team's own previous 6 closed sprints (clipped ±3) — what is unusual for this team;</item>
/// <item><b>level</b>: log2 of the value over the other teams' median (each doubling counts as 1, capped ±4) — what is
/// chronically worse than elsewhere, which a z-score against the team's own past cannot see;</item>
/// <item><b>trend</b>: the least-squares slope over the last 8 sprints times the sprints it spans, relative to their mean
/// (clipped ±3) — what is slowly getting worse.</item>
/// </list>
/// A component is as important as its strongest signal (the priority is the maximum of the three); ties go to the larger
/// sum of the signals, then to the larger catalog weight. Values at or below 0 are compared after adding a floor (0.05 for
/// ratios, 1 otherwise) to both sides, so a zero median does not make an infinite ratio.
/// </summary>
public static class ComponentRanking
{
    public const string Rule =
        "priority = max(z, level, trend), each oriented so positive is worse: z against the team's previous 6 closed sprints " +
        "(±3); level = log2(value / median of the other teams' latest sprints) (±4); trend = slope over the last 8 sprints × " +
        "(sprints − 1) / their mean (±3); ties by the sum of the three, then by catalog weight";

    public const double MaxZ = 3;
    public const double MaxLevel = 4;
    public const double MaxTrend = 3;

    /// <summary>The floor added to both sides of a ratio when either is not positive: 0.05 for ratios, 1 for counts, hours, days.</summary>
    public static double Floor(string unit) => unit == "ratio" ? 0.05 : 1;

    public static double? ZSignal(double? z, int direction) => z is { } v ? Clip(direction * v, MaxZ) : null;

    public static double? LevelSignal(double? value, double? peerMedian, int direction, string unit)
    {
        if (value is not { } v || peerMedian is not { } m)
        {
            return null;
        }

        var floor = v > 0 && m > 0 ? 0 : Floor(unit);
        return Clip(direction * Math.Log2((Math.Max(v, 0) + floor) / (Math.Max(m, 0) + floor)), MaxLevel);
    }

    public static double? TrendSignal(double? slope, int sprints, double? mean, int direction, string unit)
    {
        if (slope is not { } s || mean is not { } m || sprints < 3)
        {
            return null;
        }

        return Clip(direction * s * (sprints - 1) / (Math.Abs(m) + Floor(unit)), MaxTrend);
    }

    /// <summary>The three signals and the priority they give; <c>Strongest</c> names the signal that set it.</summary>
    public static ComponentSignals Signals(double? z, double? level, double? trend)
    {
        var named = new[] { ("z", z), ("level", level), ("trend", trend) }.Where(x => x.Item2 is not null).ToList();
        if (named.Count == 0)
        {
            return new ComponentSignals(null, null, null, null, null);
        }

        var strongest = named.OrderByDescending(x => x.Item2!.Value).First();
        return new ComponentSignals(Round(z), Round(level), Round(trend), Round(strongest.Item2), strongest.Item1);
    }

    /// <summary>Orders components: priority (nulls last), then the sum of the signals, then the weight.</summary>
    public static IEnumerable<T> Order<T>(IEnumerable<T> items, Func<T, ComponentSignals> signals, Func<T, double> weight) =>
        items.OrderBy(x => signals(x).Priority is null ? 1 : 0)
            .ThenByDescending(x => signals(x).Priority ?? 0)
            .ThenByDescending(x => (signals(x).Z ?? 0) + (signals(x).Level ?? 0) + (signals(x).Trend ?? 0))
            .ThenByDescending(weight);

    private static double Clip(double x, double limit) => Math.Max(-limit, Math.Min(limit, x));

    private static double? Round(double? x) => x is { } v ? Math.Round(v, 4) : null;
}
