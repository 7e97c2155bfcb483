using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Specs;

/// <summary>How a metric's per-sprint values are compared with the team's baseline: on ln(1 + x) for skewed durations, and the
/// absolute floor of the standard deviation (research section 3: 0.05 for ratios, 1 for counts and points, log1p for durations).</summary>
public sealed record ZScale(bool Log, double Floor);

/// <summary>
/// The one SQL definition of per-sprint z-scores (METRICS.md, research section 3), computed from the catalog definition of each
/// metric version the answer uses: the per-sprint value comes from the query builder (<see cref="QueryBuilder.SprintValueCtes"/>,
/// the code path that computes any answer grouped by sprint), the baseline is the team's previous <see cref="BaselineSprints"/>
/// closed, non-low-sample sprints (numbered in one pass over the team's sprints), z = (x − mean) / max(sd, 10% of |mean|, floor) clipped to
/// ±<see cref="Clip"/>, null with fewer than <see cref="MinBaselineValues"/> values. Nothing here names a metric: which metrics
/// have z-scores, and how each is scaled, follows from its definition.
/// </summary>
public static class ZScoreSql
{
    /// <summary>How many previous closed sprints form a team's baseline (METRICS.md: z-scores against the previous 6).</summary>
    public const int BaselineSprints = 6;

    /// <summary>A z-score needs at least this many baseline values.</summary>
    public const int MinBaselineValues = 4;

    /// <summary>z is clipped to ± this.</summary>
    public const int Clip = 3;

    /// <summary>The standard deviation is at least this share of |mean| (research section 3).</summary>
    public const double RelativeFloor = 0.1;

    private static readonly Dictionary<string, ZScale> Scales = new(StringComparer.Ordinal)
    {
        ["ratio"] = new(false, 0.05),
        ["hours"] = new(true, 0.1),
        ["days"] = new(true, 0.1),
    };

    private static readonly ZScale CountScale = new(false, 1);

    /// <summary>The scale of a metric's z-score, from its unit (durations are skewed: log1p; counts and points: floor 1).</summary>
    public static ZScale Scale(MetricDefinition metric) => Scales.GetValueOrDefault(metric.Unit, CountScale);

    /// <summary>
    /// Whether a metric has a per-sprint z-score: every metric whose value the builder can compute per sprint — any type but a
    /// composite (which is made of z-scores), over known measures placed in a window (a snapshot at as_of has no per-sprint value).
    /// </summary>
    public static bool CanScore(MetricDefinition metric) =>
        !HasNoSprintValue(metric)
        && (metric.Type == MetricTypes.Sql || (metric.Measures.Any() && metric.Measures.All(m => AnalyticsModel.FindMeasure(m) is not null)));

    /// <summary>A composite, or a snapshot at as_of: a metric that has no value per sprint (whatever else is wrong with it).</summary>
    public static bool HasNoSprintValue(MetricDefinition metric) =>
        metric.Type == MetricTypes.Composite || metric.Grain == MetricGrains.Snapshot
        || metric.Measures.Any(m => AnalyticsModel.FindMeasure(m) is { TimeKind: TimeKind.Snapshot });

    /// <summary>The names of the catalog's metrics that have z-scores (for messages and for validation).</summary>
    public static IReadOnlyList<string> Scored(MetricCatalog catalog) => catalog.All.Where(CanScore).Select(m => m.Name).ToList();

    /// <summary>The z-scored metrics a list of metrics stands for: a composite stands for its components (the catalog's versions).</summary>
    public static IReadOnlyList<MetricDefinition> Expand(IEnumerable<MetricDefinition> metrics, MetricCatalog catalog)
    {
        var result = new List<MetricDefinition>();
        foreach (var metric in metrics)
        {
            var scored = metric.Type == MetricTypes.Composite ? Components(metric, catalog) : [metric];
            foreach (var m in scored)
            {
                if (!CanScore(m))
                {
                    throw new InvalidOperationException($"'{m.Name}' has no per-sprint z-score");
                }

                if (result.All(r => r.Name != m.Name))
                {
                    result.Add(m);
                }
            }
        }

        return result;
    }

    /// <summary>A composite's component metrics, as the catalog the answer uses defines them.</summary>
    public static IReadOnlyList<MetricDefinition> Components(MetricDefinition composite, MetricCatalog catalog) =>
        (composite.Components ?? throw new InvalidOperationException($"'{composite.Name}' has no components")).Select(c => catalog.Get(c.Metric)).ToList();

    /// <summary>A closed, non-low-sample sprint (of the row aliased <paramref name="alias"/>): what baselines are made of.</summary>
    public static string Eligible(string alias) => $"{alias}.sprint_state = 'closed' AND NOT {alias}.low_sample";

    /// <summary>
    /// The CTEs of the z-scores of <paramref name="metrics"/> for the sprints <paramref name="targets"/> (a subquery of sprint keys):
    /// <c>{name}_order</c>, every sprint with the count of eligible sprints before it; <c>{name}_base (target_key, base_key)</c>, each target's baseline sprints; <c>{name}_sprints</c>, the sprints whose values are
    /// needed (the targets, their baselines and <paramref name="extra"/>, a subquery of more sprint keys, e.g. a trend's); the
    /// builder's value CTEs ending in <c>{name}_values (sprint_key, m, …)</c>; and <c>{name} (sprint_key, m, m__baseline, m__n,
    /// m__z, …)</c> for every sprint of <c>{name}_sprints</c> (baseline and z only for the targets). Metric columns are the catalog
    /// names (identifiers checked by the builder); <c>m__baseline</c> is the plain mean of the baseline sprints' values.
    /// </summary>
    public static IReadOnlyList<string> Ctes(string name, IReadOnlyList<MetricDefinition> metrics, string targets, string? extra, MetricCatalog catalog,
        SqlParameters p)
    {
        var ctes = new List<string>
        {
            // Each sprint of a team in (close, key) order with the number of eligible sprints before it: a target's baseline is the
            // eligible sprints numbered just below its count, matched by equality (one pass and a hash join; a LATERAL ORDER BY …
            // LIMIT per target read every earlier sprint of the team through the security_barrier view, which hides the index
            // order from it: 3.3 s for 10,000 targets).
            $"""
            {name}_order AS (
                SELECT s.sprint_key, s.team_key, {Eligible("s")} AS eligible,
                       count(*) FILTER (WHERE {Eligible("s")}) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            )
            """,
            $"""
            {name}_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM {name}_order t
                CROSS JOIN generate_series(1, {BaselineSprints}) k(n)
                JOIN {name}_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN ({targets})
            )
            """,
            $"""
            {name}_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN ({targets})
                   OR sprint_key IN (SELECT base_key FROM {name}_base){(extra is null ? "" : $"\n       OR sprint_key IN ({extra})")}
            )
            """,
        };
        ctes.AddRange(QueryBuilder.SprintValueCtes($"{name}_values", metrics, $"{name}_sprints", catalog, p));

        var stats = new List<string>();
        var select = new List<string> { "s.sprint_key" };
        foreach (var metric in metrics)
        {
            var m = QueryBuilder.Ident(metric.Name);
            var scale = Scale(metric);
            var scaled = Scaled($"y.{m}", scale);
            // The baseline shown is the plain mean; z compares on the metric's scale (ln(1 + x) for durations).
            // (float8 sums depend on their order: in key order, every statement that computes a z — an answer's, the stored one —
            // gets the same bits)
            var order = scale.Log ? " ORDER BY b.base_key" : "";
            stats.Add($"avg(y.{m}) AS {m}__mean, " + (scale.Log ? $"avg({scaled}{order}) AS {m}__smean, " : "") +
                      $"stddev_samp({scaled}{order}) AS {m}__sd, count(y.{m})::int AS {m}__n");
            select.Add($"x.{m}");
            select.Add($"z.{m}__mean AS {m}__baseline");
            select.Add($"z.{m}__n");
            select.Add($"{Z(Scaled($"x.{m}", scale), scale.Log ? $"z.{m}__smean" : $"z.{m}__mean", $"z.{m}__sd", $"z.{m}__n", scale.Floor)} AS {m}__z");
        }

        ctes.Add(
            $"""
            {name} AS (
                SELECT {string.Join(",\n           ", select)}
                FROM {name}_sprints s
                LEFT JOIN {name}_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           {string.Join(",\n               ", stats)}
                    FROM {name}_base b
                    JOIN {name}_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            )
            """);
        return ctes;
    }

    /// <summary>
    /// The statement that computes the value, baseline and z-score of each of a composite's <paramref name="components"/> for
    /// every sprint of the tenant (rows <c>sprint_key, metric, value, baseline, n, z</c>) — <see cref="Ctes"/> over all sprints,
    /// the very CTEs an answer computes them with (a sprint's z depends only on its own values and its baseline sprints', never
    /// on which other sprints an answer asks for) — and its key: a hash of that SQL text and its parameters. The refresh stores
    /// these rows (migration 0021, <c>sprint_z</c>) under the key; an answer reads them only when the tenant's store holds that
    /// key (<see cref="StoredCtes"/>), so any change of a component's definition in force — a new version, a tenant's own, a
    /// pinned one, a change of this code — is another key, computed at query time until a refresh stores it. Null when a
    /// component is a tenant SQL metric (its text never runs with the refresh's owner privileges).
    /// </summary>
    public static StoredZ? Stored(IReadOnlyList<MetricDefinition> components, MetricCatalog catalog)
    {
        if (components.Any(c => c.Type == MetricTypes.Sql))
        {
            return null;
        }

        var p = new SqlParameters();
        var ctes = Ctes("z", components, "SELECT sprint_key FROM sprint_stats", null, catalog, p);
        var rows = components.Select(c =>
        {
            var m = QueryBuilder.Ident(c.Name);
            return $"({p.Add(c.Name, $"metric:{c.Name}")}::text, z.{m}::numeric, z.{m}__baseline::numeric, z.{m}__n, z.{m}__z::float8)";
        });
        var sql = "WITH " + string.Join(",\n", ctes) +
                  $"\nSELECT z.sprint_key, x.metric, x.value, x.baseline, x.n, x.z\nFROM z\nCROSS JOIN LATERAL (VALUES {string.Join(", ", rows)}) x(metric, value, baseline, n, z)";
        var text = sql + "\n" + string.Join("\n", p.Values.Select(v => v switch
        {
            string[] a => "[" + string.Join(",", a) + "]",
            DateTimeOffset d => d.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture),
        }));
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return new StoredZ(key, sql, p.Values);
    }

    /// <summary>
    /// The z-scores of a composite's <paramref name="components"/> for the sprints <paramref name="targets"/>, as CTEs ending in
    /// <c>{name} (sprint_key, m__z…)</c> (float8): read from the tenant's stored z-scores (<c>sprint_z</c>) when its store holds
    /// the components' <see cref="Stored"/> key, else computed (<see cref="Ctes"/>, <c>{name}_computed</c>). Both branches are in
    /// the statement; a one-time condition runs one of them.
    /// </summary>
    public static IReadOnlyList<string> StoredCtes(string name, IReadOnlyList<MetricDefinition> components, string targets, MetricCatalog catalog,
        SqlParameters p)
    {
        var computed = $"{name}_computed";
        var ctes = Ctes(computed, components, targets, null, catalog, p).ToList();
        var columns = components.Select(c => $"{QueryBuilder.Ident(c.Name)}__z").ToList();
        if (Stored(components, catalog) is not { } stored)
        {
            ctes.Add($"{name} AS (\n    SELECT sprint_key, {string.Join(", ", columns.Select(c => $"{c}::float8 AS {c}"))}\n    FROM {computed}\n)");
            return ctes;
        }

        var key = p.Add(stored.Key, $"stored_z:{stored.Key}");
        var pivot = components.Select((c, i) => $"max(t.z) FILTER (WHERE t.metric = {p.Add(c.Name, $"metric:{c.Name}")}) AS {columns[i]}");
        ctes.Add($"{name}_stored AS (\n    SELECT count(*) = 1 AS complete FROM {AnalyticsModel.StoredZDefinitions} WHERE definition = {key}\n)");
        ctes.Add(
            $"""
            {name} AS (
                SELECT t.sprint_key, {string.Join(", ", pivot)}
                FROM {AnalyticsModel.StoredZ} t
                WHERE t.definition = {key} AND t.sprint_key IN ({targets}) AND (SELECT complete FROM {name}_stored)
                GROUP BY t.sprint_key
                UNION ALL
                SELECT sprint_key, {string.Join(", ", columns.Select(c => $"{c}::float8"))}
                FROM {computed}
                WHERE NOT (SELECT complete FROM {name}_stored)
            )
            """);
        return ctes;
    }

    /// <summary>
    /// <c>(VALUES ($n, z.m, z.m__z, z.m__baseline, z.m__n), …) x(metric, value, z, baseline, baseline_n)</c> over a row of a
    /// <see cref="Ctes"/> output aliased <paramref name="alias"/>: metric names travel as parameters.
    /// </summary>
    public static string Unpivot(IReadOnlyList<MetricDefinition> metrics, string alias, SqlParameters p, string indent) =>
        "(VALUES\n" + string.Join(",\n", metrics.Select(metric =>
        {
            var m = QueryBuilder.Ident(metric.Name);
            return $"{indent}    ({p.Add(metric.Name, $"metric:{metric.Name}")}::text, {alias}.{m}::numeric, {alias}.{m}__z::numeric, " +
                   $"{alias}.{m}__baseline::numeric, {alias}.{m}__n::int)";
        })) + $"\n{indent}) x(metric, value, z, baseline, baseline_n)";

    /// <summary>
    /// ln(1 + x) in double precision: ln of a numeric (hours are numeric sums) is arbitrary-precision and took ~0.6 s for the
    /// 120,000 calls of an all-time problem score at 10,000 sprints; z is a float8 in every answer anyway.
    /// </summary>
    private static string Scaled(string x, ZScale scale) => scale.Log ? $"ln(1 + greatest({x}::float8, 0))" : x;

    /// <summary>z of <paramref name="x"/> against a baseline mean, sd and count: null with too few values, sd floored, clipped.</summary>
    private static string Z(string x, string mean, string sd, string n, double floor) =>
        $"CASE WHEN {x} IS NULL OR {mean} IS NULL OR {n} < {MinBaselineValues} THEN NULL " +
        $"ELSE greatest(-{Clip}, least({Clip}, ({x} - {mean}) / greatest(coalesce({sd}, 0), {Number(RelativeFloor)} * abs({mean}), {Number(floor)}))) END";

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A composite's components' stored per-sprint z-scores: the key they are stored under, and the statement (and parameters) that computes them.</summary>
public sealed record StoredZ(string Key, string Sql, IReadOnlyList<object> Parameters);
