using System.Globalization;
using FluentValidation;
using FluentValidation.Results;
using SpiralAnalytics.Core.Analytics;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>
/// Checks one definition on its own against the shared vocabulary (<see cref="AnalyticsModel"/>): known type, unit,
/// category, grain, dimensions and measures; the formula fields its type needs and no others; semantic version;
/// composite weights. Property names are the YAML field paths, so failures can be located in the file.
/// Checks that need the other metrics live in <see cref="CatalogConsistency"/>.
/// </summary>
public sealed class MetricDefinitionValidator : AbstractValidator<MetricDefinition>
{
    public const int MinSynonyms = 3;

    /// <summary>Composite weights must sum to 1.0 within this tolerance.</summary>
    public const double WeightTolerance = 1e-6;

    /// <summary>Composites weigh their components' per-sprint z-scores, placed by the sprint's close.</summary>
    public const string CompositeTimeColumn = "sprint_close_at";

    private static readonly IReadOnlyList<string> FormulaFields =
        ["measure", "statistic", "p", "numerator", "denominator", "components", "aggregate", "where", "numerator_of", "denominator_of", "sql", "output", "rollup"];

    private static readonly Dictionary<string, string[]> FormulaFieldsByType = new(StringComparer.Ordinal)
    {
        [MetricTypes.Simple] = ["measure", "statistic"],
        [MetricTypes.Ratio] = ["numerator", "denominator"],
        [MetricTypes.Derived] = ["measure", "statistic"],
        [MetricTypes.Percentile] = ["measure", "p"],
        [MetricTypes.Composite] = ["components"],
        [MetricTypes.Aggregate] = ["aggregate", "measure", "p", "where"],
        [MetricTypes.AggregateRatio] = ["numerator_of", "denominator_of"],
        [MetricTypes.Sql] = ["sql", "output", "rollup"],
    };

    /// <summary>Dimensions a SQL metric's rows (one per sprint, joined to the sprint) can be grouped by.</summary>
    public static readonly IReadOnlyList<string> SqlDimensions =
        [Analytics.Dimensions.Team, Analytics.Dimensions.Sprint, Analytics.Dimensions.Week, Analytics.Dimensions.Month, Analytics.Dimensions.Quarter];

    /// <summary>The shipped layer's rules.</summary>
    public MetricDefinitionValidator()
        : this(CatalogLayers.Shipped)
    {
    }

    /// <summary>The rules of <paramref name="layer"/>: a tenant metric may also be an aggregate, aggregate_ratio or sql metric and is draft, active or archived.</summary>
    public MetricDefinitionValidator(string layer)
    {
        var tenant = layer == CatalogLayers.Tenant;
        var types = tenant ? MetricTypes.Tenant : MetricTypes.All;
        var statuses = tenant ? MetricStatuses.Tenant : MetricStatuses.All;
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(m => m.Name)
            .Matches("^[a-z][a-z0-9_]{0,62}$")
            .WithMessage(m => $"'{m.Name}' is not a metric name: lowercase letters, digits and '_', starting with a letter")
            .OverridePropertyName("name");
        RuleFor(m => m.DisplayName).NotEmpty().WithMessage("must not be empty").OverridePropertyName("display_name");
        RuleFor(m => m.Description)
            .MinimumLength(20).WithMessage("too short to tell a team lead what the metric means (20+ characters)")
            .OverridePropertyName("description");
        RuleFor(m => m.Category)
            .Must(MetricCategories.All.Contains).WithMessage(m => Unknown("category", m.Category, MetricCategories.All))
            .OverridePropertyName("category");
        RuleFor(m => m.Type)
            .Must(types.Contains).WithMessage(m => Unknown("type", m.Type, types) +
                (!tenant && MetricTypes.Tenant.Contains(m.Type) ? "; aggregate, aggregate_ratio and sql are tenant-layer types" : ""))
            .OverridePropertyName("type");
        RuleFor(m => m.Unit)
            .Must(MetricUnits.All.Contains).WithMessage(m => Unknown("unit", m.Unit, MetricUnits.All))
            .OverridePropertyName("unit");
        RuleFor(m => m.Direction)
            .Must(MetricDirections.All.Contains).WithMessage(m => Unknown("direction", m.Direction, MetricDirections.All))
            .OverridePropertyName("direction");
        RuleFor(m => m.Grain)
            .Must(MetricGrains.All.Contains).WithMessage(m => Unknown("grain", m.Grain, MetricGrains.All))
            .OverridePropertyName("grain");
        RuleFor(m => m.TimeColumn).NotEmpty().WithMessage("must not be empty").OverridePropertyName("time_column");
        RuleFor(m => m.Version)
            .Must(v => SemanticVersion.TryParse(v, out _))
            .WithMessage(m => $"'{m.Version}' is not a semantic version: MAJOR.MINOR.PATCH, e.g. 1.0.0")
            .OverridePropertyName("version");

        RuleFor(m => m.Dimensions).NotEmpty().WithMessage("list at least one dimension").OverridePropertyName("dimensions");
        RuleForEach(m => m.Dimensions)
            .Must(Analytics.Dimensions.All.Contains).WithMessage((_, d) => Unknown("dimension", d, Analytics.Dimensions.All))
            .OverridePropertyName("dimensions");

        RuleFor(m => m.Synonyms)
            .Must(s => s.Count >= MinSynonyms).WithMessage(m => $"has {m.Synonyms.Count} synonym(s); every metric needs {MinSynonyms} or more")
            .OverridePropertyName("synonyms");

        RuleFor(m => m.Status)
            .Must(statuses.Contains).WithMessage(m => Unknown("status", m.Status, statuses))
            .OverridePropertyName("status");
        RuleFor(m => m.ReplacedBy)
            .NotEmpty().WithMessage("a deprecated metric names its replacement (replaced_by: NAME)")
            .When(m => m.Status == MetricStatuses.Deprecated)
            .OverridePropertyName("replaced_by");
        RuleFor(m => m.ReplacedBy)
            .Empty().WithMessage("only a deprecated metric has a replacement (set status: deprecated, or replaced_by: null)")
            .When(m => m.Status is MetricStatuses.Active or MetricStatuses.Draft)
            .OverridePropertyName("replaced_by");
        RuleFor(m => m.ReplacedBy)
            .NotEqual(m => m.Name).WithMessage("a metric cannot replace itself")
            .OverridePropertyName("replaced_by");
        RuleFor(m => m.DeprecationReason)
            .Empty().WithMessage("only a deprecated or archived metric has a deprecation reason")
            .When(m => m.Status is MetricStatuses.Active or MetricStatuses.Draft)
            .OverridePropertyName("deprecation_reason");

        RuleFor(m => m).Custom(CheckDuplicates);
        RuleFor(m => m).Custom(CheckFormula);
        RuleFor(m => m).Custom(CheckRelations);
    }

    /// <summary>
    /// <c>share_of</c>: a ratio, the share of a metric it depends on; <c>narrows</c>: another metric restricted to rows, so
    /// it names them. Rows are named by dimension. What the related metric is (its unit, its dimensions) is checked by
    /// <see cref="CatalogConsistency"/>.
    /// </summary>
    private static void CheckRelations(MetricDefinition m, ValidationContext<MetricDefinition> context)
    {
        if (m.ShareOf is { } share)
        {
            if (m.Unit != MetricUnits.Ratio)
            {
                context.AddFailure(new ValidationFailure("share_of", $"only a ratio is a share of another metric; this one's unit is {m.Unit}"));
            }

            if (share.Metric == m.Name)
            {
                context.AddFailure(new ValidationFailure("share_of.metric", "a metric cannot be a share of itself"));
            }
            else if (!m.DependsOn.Contains(share.Metric))
            {
                context.AddFailure(new ValidationFailure("share_of.metric", $"a share is built on the metric it is a share of: list '{share.Metric}' in depends_on"));
            }

            RelationRows(context, "share_of", share, required: false);
        }

        if (m.Narrows is { } narrows)
        {
            if (narrows.Metric == m.Name)
            {
                context.AddFailure(new ValidationFailure("narrows.metric", "a metric cannot narrow itself"));
            }

            RelationRows(context, "narrows", narrows, required: true);
        }
    }

    private static void RelationRows(ValidationContext<MetricDefinition> context, string field, MetricRelation relation, bool required)
    {
        if (relation.Where is not { Count: > 0 } where)
        {
            if (required)
            {
                context.AddFailure(new ValidationFailure($"{field}.where", "name the rows it keeps, e.g. where: { issue_type: [Bug] }"));
            }

            return;
        }

        foreach (var (dimension, values) in where)
        {
            if (!Analytics.Dimensions.All.Contains(dimension))
            {
                context.AddFailure(new ValidationFailure($"{field}.where.{dimension}",
                    $"unknown dimension{CatalogYamlReader.Suggest(dimension, Analytics.Dimensions.All)} (dimensions: {string.Join(", ", Analytics.Dimensions.All)})"));
            }
            else if (values.Count == 0)
            {
                context.AddFailure(new ValidationFailure($"{field}.where.{dimension}", "list at least one value"));
            }
        }
    }

    private static void CheckDuplicates(MetricDefinition m, ValidationContext<MetricDefinition> context)
    {
        Duplicates(context, "dimensions", m.Dimensions, d => d, "dimension");
        Duplicates(context, "synonyms", m.Synonyms, CatalogText.Normalize, "synonym");
        Duplicates(context, "depends_on", m.DependsOn, d => d, "dependency");
        for (var i = 0; i < m.Synonyms.Count; i++)
        {
            if (CatalogText.Normalize(m.Synonyms[i]).Length == 0)
            {
                context.AddFailure(new ValidationFailure($"synonyms[{i}]", "a synonym needs at least one letter or digit"));
            }
        }

        for (var i = 0; i < m.DependsOn.Count; i++)
        {
            if (m.DependsOn[i] == m.Name)
            {
                context.AddFailure(new ValidationFailure($"depends_on[{i}]", "a metric cannot depend on itself"));
            }
        }
    }

    private static void Duplicates(ValidationContext<MetricDefinition> context, string field, IReadOnlyList<string> items,
        Func<string, string> key, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.Add(key(items[i])))
            {
                context.AddFailure(new ValidationFailure($"{field}[{i}]", $"{what} '{items[i]}' is listed twice"));
            }
        }
    }

    private static void CheckFormula(MetricDefinition m, ValidationContext<MetricDefinition> context)
    {
        if (!FormulaFieldsByType.TryGetValue(m.Type, out var allowed))
        {
            return;
        }

        foreach (var field in FormulaFields.Where(f => !allowed.Contains(f) && IsSet(m, f)))
        {
            context.AddFailure(new ValidationFailure(field, $"'{field}' does not apply to a {m.Type} metric (a {m.Type} metric has: {string.Join(", ", allowed)})"));
        }

        var measures = new List<(string Field, Measure Measure)>();

        Measure? Resolve(string field, string? name, string need)
        {
            if (string.IsNullOrEmpty(name))
            {
                context.AddFailure(new ValidationFailure(field, $"a {m.Type} metric needs '{field.Split('[')[0]}': {need}"));
                return null;
            }

            if (AnalyticsModel.FindMeasure(name) is { } measure)
            {
                measures.Add((field, measure));
                return measure;
            }

            context.AddFailure(new ValidationFailure(field,
                $"unknown measure{CatalogYamlReader.Suggest(name, AnalyticsModel.Measures.Select(x => x.Name))} (measures are defined in AnalyticsModel.Measures)"));
            return null;
        }

        switch (m.Type)
        {
            case MetricTypes.Simple:
                if (Resolve("measure", m.Measure, "the measure it aggregates") is { } simple)
                {
                    if (simple.Aggregation == Aggregation.Values && m.Statistic != MetricStatistics.Mean)
                    {
                        context.AddFailure(new ValidationFailure("statistic",
                            $"measure '{simple.Name}' holds issue-level values: a simple metric over it needs 'statistic: {MetricStatistics.Mean}' (or use type percentile)"));
                    }
                    else if (simple.Aggregation != Aggregation.Values && m.Statistic is not null)
                    {
                        context.AddFailure(new ValidationFailure("statistic",
                            $"measure '{simple.Name}' aggregates by itself ({simple.Aggregation}); leave out 'statistic' (only '{MetricStatistics.Mean}' over issue-level values is allowed)"));
                    }
                }

                break;

            case MetricTypes.Ratio:
                if (m.Numerator is not { Count: > 0 })
                {
                    context.AddFailure(new ValidationFailure("numerator", "a ratio metric needs 'numerator': one or more measures, summed"));
                }
                else
                {
                    for (var i = 0; i < m.Numerator.Count; i++)
                    {
                        Additive(Resolve($"numerator[{i}]", m.Numerator[i], "a measure"), $"numerator[{i}]");
                    }
                }

                Additive(Resolve("denominator", m.Denominator, "one measure, summed"), "denominator");
                break;

            case MetricTypes.Derived:
                if (m.Statistic != MetricStatistics.MeanPerSprint)
                {
                    context.AddFailure(new ValidationFailure("statistic",
                        m.Statistic is null
                            ? $"a derived metric needs 'statistic: {MetricStatistics.MeanPerSprint}'"
                            : $"unknown statistic '{m.Statistic}' for a derived metric (allowed: {MetricStatistics.MeanPerSprint})"));
                }

                if (Resolve("measure", m.Measure, "the per-sprint measure") is { } derived)
                {
                    Additive(derived, "measure");
                    if (!derived.View.DimensionColumns.ContainsKey(Analytics.Dimensions.Sprint))
                    {
                        context.AddFailure(new ValidationFailure("measure",
                            $"measure '{derived.Name}' is not per sprint (view {derived.View.Name} has no sprint); {MetricStatistics.MeanPerSprint} needs one"));
                    }
                }

                break;

            case MetricTypes.Percentile:
                if (Resolve("measure", m.Measure, "a measure of issue-level values") is { Aggregation: not Aggregation.Values } notValues)
                {
                    context.AddFailure(new ValidationFailure("measure",
                        $"measure '{notValues.Name}' is aggregated ({notValues.Aggregation}), not issue-level values: a percentile needs values"));
                }

                if (m.P is not { } p)
                {
                    context.AddFailure(new ValidationFailure("p", "a percentile metric needs 'p', the quantile between 0 and 1 (0.5 = median)"));
                }
                else if (p is <= 0 or >= 1)
                {
                    context.AddFailure(new ValidationFailure("p", $"p must be between 0 and 1 exclusive (0.5 = median, 0.9 = p90), found {Format(p)}"));
                }

                break;

            case MetricTypes.Composite:
                CheckComposite(m, context);
                break;

            case MetricTypes.Aggregate:
                CheckTerm(m, context, "", m.Aggregate, m.P, m.Where, Resolve);
                break;

            case MetricTypes.AggregateRatio:
                foreach (var (field, term) in new[] { ("numerator_of", m.NumeratorOf), ("denominator_of", m.DenominatorOf) })
                {
                    if (term is null)
                    {
                        context.AddFailure(new ValidationFailure(field,
                            $"an aggregate_ratio metric needs '{field}': {{ aggregate: count|sum|avg|min|max|percentile, measure: MEASURE, where: {{ dimension: [values] }} }}"));
                    }
                    else
                    {
                        CheckTerm(m, context, field + ".", term.Aggregate, term.P, term.Where, Resolve);
                    }
                }

                break;

            case MetricTypes.Sql:
                CheckSql(m, context);
                break;
        }

        if (m.Type == MetricTypes.Composite)
        {
            CheckPlacement(m, context, [("components", AnalyticsModel.SprintStats, CompositeTimeColumn)]);
        }
        else if (m.Type == MetricTypes.Sql)
        {
            CheckPlacement(m, context, [("sql", SqlRowsView, CompositeTimeColumn)]);
        }
        else if (measures.Count > 0 && measures.Count == m.Measures.Count())
        {
            CheckPlacement(m, context, measures.Select(x => (x.Field, x.Measure.View, x.Measure.TimeColumn)).ToList());
        }

        void Additive(Measure? measure, string field)
        {
            if (measure is { Aggregation: Aggregation.Values or Aggregation.Avg })
            {
                context.AddFailure(new ValidationFailure(field,
                    $"measure '{measure.Name}' is not additive ({measure.Aggregation}); a {m.Type} metric sums its measures"));
            }
        }
    }

    /// <summary>The rows of a SQL metric are joined to their sprint: they offer what sprint_stats offers.</summary>
    private static readonly AnalyticsView SqlRowsView = AnalyticsModel.SprintStats;

    private static void CheckTerm(MetricDefinition m, ValidationContext<MetricDefinition> context, string prefix, string? aggregate, double? p,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? where, Func<string, string?, string, Measure?> resolve)
    {
        var measureName = prefix.Length == 0 ? m.Measure : (prefix == "numerator_of." ? m.NumeratorOf : m.DenominatorOf)?.Measure;
        var measure = resolve(prefix + "measure", measureName, "the measure it aggregates");
        if (string.IsNullOrEmpty(aggregate))
        {
            context.AddFailure(new ValidationFailure(prefix + "aggregate", $"needs 'aggregate': one of {string.Join(", ", AggregateFunctions.All)}"));
        }
        else if (!AggregateFunctions.All.Contains(aggregate))
        {
            context.AddFailure(new ValidationFailure(prefix + "aggregate", Unknown("aggregate", aggregate, AggregateFunctions.All)));
        }
        else if (measure is not null && aggregate != AggregateFunctions.Count && measure.Aggregation == Aggregation.CountDistinctIssues)
        {
            context.AddFailure(new ValidationFailure(prefix + "aggregate",
                $"measure '{measure.Name}' marks issues (a 0/1 flag counted once per issue): only 'count' applies to it, not '{aggregate}'"));
        }

        if (aggregate == AggregateFunctions.Percentile)
        {
            if (p is not { } q)
            {
                context.AddFailure(new ValidationFailure(prefix + "p", "a percentile needs 'p', the quantile between 0 and 1 (0.5 = median)"));
            }
            else if (q is <= 0 or >= 1)
            {
                context.AddFailure(new ValidationFailure(prefix + "p", $"p must be between 0 and 1 exclusive (0.5 = median, 0.9 = p90), found {Format(q)}"));
            }
        }
        else if (p is not null)
        {
            context.AddFailure(new ValidationFailure(prefix + "p", $"'p' applies only to aggregate: percentile, not '{aggregate}'"));
        }

        if (where is null)
        {
            return;
        }

        foreach (var (dimension, values) in where)
        {
            var field = $"{prefix}where.{dimension}";
            if (!RowFilters.All.Contains(dimension))
            {
                context.AddFailure(new ValidationFailure(field,
                    $"unknown row filter{CatalogYamlReader.Suggest(dimension, RowFilters.All)} (row filters: {string.Join(", ", RowFilters.All)})"));
                continue;
            }

            if (values.Count == 0)
            {
                context.AddFailure(new ValidationFailure(field, $"list at least one value for '{dimension}'"));
            }

            if (measure is null)
            {
                continue;
            }

            var available = dimension == RowFilters.Label
                ? measure.View.DimensionColumns.ContainsKey(Analytics.Dimensions.IssueType)
                : measure.View.DimensionColumns.ContainsKey(dimension);
            if (!available)
            {
                context.AddFailure(new ValidationFailure(field,
                    $"view {measure.View.Name} (of measure '{measure.Name}') has no '{dimension}' to filter on; it offers: {string.Join(", ", RowFilters.All.Where(f => f == RowFilters.Label ? measure.View.DimensionColumns.ContainsKey(Analytics.Dimensions.IssueType) : measure.View.DimensionColumns.ContainsKey(f)))}"));
            }
        }
    }

    private static void CheckSql(MetricDefinition m, ValidationContext<MetricDefinition> context)
    {
        if (string.IsNullOrWhiteSpace(m.Sql))
        {
            context.AddFailure(new ValidationFailure("sql", "a sql metric needs 'sql': one SELECT over the tenant views returning sprint_key and value"));
        }

        if (m.Output is not { Count: > 0 })
        {
            context.AddFailure(new ValidationFailure("output", $"a sql metric declares its output columns: [{string.Join(", ", SqlMetricOutput.Columns)}]"));
        }
        else if (!m.Output.SequenceEqual(SqlMetricOutput.Columns, StringComparer.Ordinal))
        {
            context.AddFailure(new ValidationFailure("output",
                $"declared [{string.Join(", ", m.Output)}]; a sql metric returns exactly [{string.Join(", ", SqlMetricOutput.Columns)}] (one value per sprint)"));
        }

        if (m.Rollup is null)
        {
            context.AddFailure(new ValidationFailure("rollup", $"a sql metric says how its per-sprint values combine: rollup: {string.Join("|", SqlMetricOutput.Rollups)}"));
        }
        else if (!SqlMetricOutput.Rollups.Contains(m.Rollup))
        {
            context.AddFailure(new ValidationFailure("rollup", Unknown("rollup", m.Rollup, SqlMetricOutput.Rollups)));
        }

        if (MetricGrains.All.Contains(m.Grain) && m.Grain != MetricGrains.Sprint)
        {
            context.AddFailure(new ValidationFailure("grain", $"a sql metric has one value per sprint: grain is '{MetricGrains.Sprint}', not '{m.Grain}'"));
        }
    }

    private static void CheckComposite(MetricDefinition m, ValidationContext<MetricDefinition> context)
    {
        if (m.Components is not { Count: >= 2 } components)
        {
            context.AddFailure(new ValidationFailure("components", "a composite metric needs 'components': two or more {metric, weight, direction}"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < components.Count; i++)
        {
            var c = components[i];
            if (!seen.Add(c.Metric))
            {
                context.AddFailure(new ValidationFailure($"components[{i}].metric", $"component '{c.Metric}' is listed twice"));
            }

            if (!m.DependsOn.Contains(c.Metric))
            {
                context.AddFailure(new ValidationFailure($"components[{i}].metric", $"component '{c.Metric}' must also be listed in depends_on"));
            }

            if (c.Weight is <= 0 or > 1)
            {
                context.AddFailure(new ValidationFailure($"components[{i}].weight", $"a weight is greater than 0 and at most 1, found {Format(c.Weight)}"));
            }

            if (c.Direction is not (1 or -1))
            {
                context.AddFailure(new ValidationFailure($"components[{i}].direction",
                    $"direction is +1 (a higher value is worse) or -1 (a higher value is better), found {c.Direction}"));
            }
        }

        var sum = components.Sum(c => c.Weight);
        if (Math.Abs(sum - 1.0) > WeightTolerance)
        {
            context.AddFailure(new ValidationFailure("components",
                $"weights sum to {Format(Math.Round(sum, 6))}; they must sum to 1.0 ({string.Join(" + ", components.Select(c => Format(c.Weight)))})"));
        }
    }

    /// <summary>Dimensions, time column and grain must be what the views of the metric's measures offer.</summary>
    private static void CheckPlacement(MetricDefinition m, ValidationContext<MetricDefinition> context,
        IReadOnlyList<(string Field, AnalyticsView View, string TimeColumn)> sources)
    {
        for (var i = 0; i < m.Dimensions.Count; i++)
        {
            var dimension = m.Dimensions[i];
            if (!Analytics.Dimensions.All.Contains(dimension))
            {
                continue;
            }

            foreach (var (field, view, _) in sources.DistinctBy(s => s.View.Name))
            {
                if (!view.Dimensions.Contains(dimension))
                {
                    context.AddFailure(new ValidationFailure($"dimensions[{i}]",
                        $"dimension '{dimension}' is not available on view {view.Name} (read by {field}); it offers: {string.Join(", ", view.Dimensions)}"));
                }
                else if (MetricGrains.ForView(view) == MetricGrains.Snapshot && Analytics.Dimensions.Calendar.Contains(dimension))
                {
                    context.AddFailure(new ValidationFailure($"dimensions[{i}]",
                        $"dimension '{dimension}' does not apply to a snapshot (read at as_of) measure of view {view.Name}"));
                }
            }
        }

        var timeColumns = sources.Select(s => s.TimeColumn).Distinct(StringComparer.Ordinal).ToList();
        if (!timeColumns.Contains(m.TimeColumn))
        {
            context.AddFailure(new ValidationFailure("time_column",
                $"'{m.TimeColumn}' is not the time column of its measures ({string.Join(", ", timeColumns)})"));
        }

        var grains = sources.Select(s => MetricGrains.ForView(s.View)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (grains.Count == 1 && MetricGrains.All.Contains(m.Grain) && m.Grain != grains[0])
        {
            context.AddFailure(new ValidationFailure("grain",
                $"'{m.Grain}' does not match its measures: view {sources[0].View.Name} gives grain '{grains[0]}'"));
        }
        else if (grains.Count > 1)
        {
            context.AddFailure(new ValidationFailure("grain",
                $"its measures come from views of different grains ({string.Join(", ", grains)}); a metric has one grain"));
        }
    }

    private static bool IsSet(MetricDefinition m, string field) => field switch
    {
        "measure" => m.Measure is not null,
        "statistic" => m.Statistic is not null,
        "p" => m.P is not null,
        "numerator" => m.Numerator is not null,
        "denominator" => m.Denominator is not null,
        "components" => m.Components is not null,
        "aggregate" => m.Aggregate is not null,
        "where" => m.Where is not null,
        "numerator_of" => m.NumeratorOf is not null,
        "denominator_of" => m.DenominatorOf is not null,
        "sql" => m.Sql is not null,
        "output" => m.Output is not null,
        "rollup" => m.Rollup is not null,
        _ => false,
    };

    private static string Unknown(string what, string? value, IEnumerable<string> allowed) =>
        $"unknown {what}{CatalogYamlReader.Suggest(value ?? "", allowed)} (allowed: {string.Join(", ", allowed)})";

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
