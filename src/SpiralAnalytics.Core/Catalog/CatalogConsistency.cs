namespace SpiralAnalytics.Core.Catalog;

/// <summary>
/// The checks that need the whole catalog: unique names, dependencies that exist and form no cycle, replacements that
/// exist and are active, composite components that have per-sprint z-scores and directions that agree with the components'
/// own, and synonyms that no
/// two metrics claim (a synonym may not be another metric's name or display name either).
/// </summary>
public static class CatalogConsistency
{
    /// <param name="metrics">The metrics that could be read.</param>
    /// <param name="unreadable">Names (file stems) of metric files that could not be read: they were reported already,
    /// so depending on them is not reported again.</param>
    public static IReadOnlyList<CatalogProblem> Check(IReadOnlyList<LoadedMetric> metrics, IReadOnlySet<string>? unreadable = null)
    {
        var problems = new List<CatalogProblem>();
        var byName = new Dictionary<string, LoadedMetric>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            if (!byName.TryAdd(metric.Definition.Name, metric))
            {
                var first = byName[metric.Definition.Name];
                problems.Add(Problem(metric, "name", $"metric '{metric.Definition.Name}' is also defined in {first.File}:{first.Lines.LineOf("name")}"));
            }
        }

        foreach (var metric in metrics)
        {
            var d = metric.Definition;
            for (var i = 0; i < d.DependsOn.Count; i++)
            {
                if (!byName.ContainsKey(d.DependsOn[i]) && unreadable?.Contains(d.DependsOn[i]) != true)
                {
                    problems.Add(Problem(metric, $"depends_on[{i}]",
                        $"depends on '{d.DependsOn[i]}', which is not in the catalog{CatalogText.DidYouMean(d.DependsOn[i], byName.Keys)}"));
                }
            }

            if (d.ReplacedBy is { } replacement)
            {
                if (!byName.TryGetValue(replacement, out var other))
                {
                    if (unreadable?.Contains(replacement) != true)
                    {
                        problems.Add(Problem(metric, "replaced_by", $"replaced by '{replacement}', which is not in the catalog"));
                    }
                }
                else if (!other.Definition.IsActive)
                {
                    problems.Add(Problem(metric, "replaced_by", $"replaced by '{replacement}', which is deprecated itself; name an active metric"));
                }
            }

            problems.AddRange(Related(metric, "share_of", d.ShareOf, byName, unreadable));
            problems.AddRange(Related(metric, "narrows", d.Narrows, byName, unreadable));
            for (var i = 0; i < (d.Components?.Count ?? 0); i++)
            {
                var component = d.Components![i];
                if (byName.TryGetValue(component.Metric, out var scored) && Specs.ZScoreSql.HasNoSprintValue(scored.Definition))
                {
                    problems.Add(Problem(metric, $"components[{i}].metric",
                        $"'{component.Metric}' has no per-sprint z-score ({scored.Definition.Type}, {scored.Definition.Grain}); a component is a metric with a value per sprint, not a composite or a snapshot"));
                }

                if (byName.TryGetValue(component.Metric, out var target)
                    && (component.Direction, target.Definition.Direction) is (1, MetricDirections.HigherIsBetter) or (-1, MetricDirections.LowerIsBetter))
                {
                    problems.Add(Problem(metric, $"components[{i}].direction",
                        $"direction {component.Direction:+0;-0} says a higher '{component.Metric}' is {(component.Direction > 0 ? "worse" : "better")}, but that metric is {target.Definition.Direction}"));
                }
            }
        }

        problems.AddRange(Cycles(metrics, byName));
        problems.AddRange(SynonymClashes(metrics));
        return problems;
    }

    /// <summary>
    /// The metric a <c>share_of</c> or <c>narrows</c> names exists and fits: a share is of an amount (not another ratio); a
    /// narrowed metric counts what the other counts, in the same unit and by the same time column; the rows named are
    /// dimensions of the other metric.
    /// </summary>
    private static IEnumerable<CatalogProblem> Related(LoadedMetric metric, string field, MetricRelation? relation,
        Dictionary<string, LoadedMetric> byName, IReadOnlySet<string>? unreadable)
    {
        if (relation is null)
        {
            yield break;
        }

        var d = metric.Definition;
        if (!byName.TryGetValue(relation.Metric, out var loaded))
        {
            if (unreadable?.Contains(relation.Metric) != true)
            {
                yield return Problem(metric, $"{field}.metric",
                    $"'{relation.Metric}' is not in the catalog{CatalogText.DidYouMean(relation.Metric, byName.Keys)}");
            }

            yield break;
        }

        var other = loaded.Definition;
        if (field == "share_of" && other.Unit == MetricUnits.Ratio)
        {
            yield return Problem(metric, $"{field}.metric", $"'{other.Name}' is a ratio itself; a share is of an amount (points, issues, hours)");
        }

        if (field == "narrows" && (other.Unit != d.Unit || other.TimeColumn != d.TimeColumn))
        {
            yield return Problem(metric, $"{field}.metric",
                $"'{other.Name}' counts {other.Unit} by {other.TimeColumn}, this metric {d.Unit} by {d.TimeColumn}: a narrowed metric counts the same thing");
        }

        foreach (var dimension in (relation.Where?.Keys ?? []).Where(k => Analytics.Dimensions.All.Contains(k) && !other.Dimensions.Contains(k)))
        {
            yield return Problem(metric, $"{field}.where.{dimension}",
                $"'{other.Name}' has no dimension '{dimension}' to narrow by (its dimensions: {string.Join(", ", other.Dimensions)})");
        }
    }

    private static IEnumerable<CatalogProblem> Cycles(IReadOnlyList<LoadedMetric> metrics, Dictionary<string, LoadedMetric> byName)
    {
        // Depth-first search; each cycle is reported once, at the dependency that closes it.
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();
        var problems = new List<CatalogProblem>();

        void Visit(string name)
        {
            state[name] = 1;
            path.Add(name);
            var metric = byName[name];
            for (var i = 0; i < metric.Definition.DependsOn.Count; i++)
            {
                var next = metric.Definition.DependsOn[i];
                if (!byName.ContainsKey(next))
                {
                    continue;
                }

                switch (state.GetValueOrDefault(next))
                {
                    case 0:
                        Visit(next);
                        break;
                    case 1:
                        var cycle = path.Skip(path.IndexOf(next)).Append(next);
                        problems.Add(Problem(metric, $"depends_on[{i}]", $"dependency cycle: {string.Join(" -> ", cycle)}"));
                        break;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[name] = 2;
        }

        foreach (var metric in metrics.Select(m => m.Definition.Name).Distinct(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(metric) == 0)
            {
                Visit(metric);
            }
        }

        return problems;
    }

    private static IEnumerable<CatalogProblem> SynonymClashes(IReadOnlyList<LoadedMetric> metrics)
    {
        var owners = new Dictionary<string, (LoadedMetric Metric, string What)>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            owners.TryAdd(CatalogText.NameAsWords(metric.Definition.Name), (metric, "name"));
            owners.TryAdd(CatalogText.Normalize(metric.Definition.DisplayName), (metric, "display name"));
        }

        var problems = new List<CatalogProblem>();
        foreach (var metric in metrics)
        {
            var synonyms = metric.Definition.Synonyms;
            for (var i = 0; i < synonyms.Count; i++)
            {
                var key = CatalogText.Normalize(synonyms[i]);
                if (key.Length == 0)
                {
                    continue;
                }

                if (!owners.TryGetValue(key, out var owner))
                {
                    owners[key] = (metric, $"synonym at {metric.File}:{metric.Lines.LineOf($"synonyms[{i}]")}");
                }
                else if (owner.Metric.Definition.Name != metric.Definition.Name)
                {
                    problems.Add(Problem(metric, $"synonyms[{i}]",
                        $"synonym '{synonyms[i]}' is also claimed by '{owner.Metric.Definition.Name}' ({owner.What}); a synonym must lead to one metric"));
                }
            }
        }

        return problems;
    }

    private static CatalogProblem Problem(LoadedMetric metric, string field, string message) =>
        new(metric.File, metric.Lines.LineOf(field), field, message);
}
