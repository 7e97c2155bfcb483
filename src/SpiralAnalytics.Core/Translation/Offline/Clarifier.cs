using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// Clarifications that say why and offer 2–4 complete questions the offline translator answers: the closest metrics (search
/// candidates, or the metrics a vague word could mean) with the parts of the question already understood, or the question
/// again with each member a vague or unknown value could be.
/// </summary>
public sealed class Clarifier(MetricCatalog catalog, MetricMatcher matcher)
{
    private const int MaxOptions = 4;

    public Clarification NoMetric(IReadOnlyList<MetricCandidate> candidates, AnalyticsSpec? parts)
    {
        var metrics = candidates.Select(c => catalog.Find(c.Name)).OfType<MetricDefinition>().Where(m => m.IsActive).ToList();
        if (metrics.Count < 2)
        {
            // no useful search hits: the headline metric of each category
            metrics.AddRange(catalog.Active.GroupBy(m => m.Category).Select(g => g.OrderBy(m => matcher.Rank(m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal).First()));
        }

        return new Clarification("The question names no metric of the catalog I can answer with. Did you mean one of these?",
            Options(metrics.Distinct().Take(3), parts));
    }

    public Clarification AmbiguousMetric(string word, IReadOnlyList<MetricDefinition> metrics, AnalyticsSpec? parts) =>
        new($"'{Short(word)}' could mean several metrics: {string.Join(", ", metrics.Take(MaxOptions).Select(m => m.DisplayName))}. Which one?",
            Options(metrics.Take(MaxOptions), parts));

    public static Clarification Value(ValueProblem problem, string question, IReadOnlyList<string> members)
    {
        var dim = problem.Dimension.Replace('_', ' ');
        var values = problem.Values.Count > 0 ? problem.Values : members;
        var reason = problem.Values.Count > 0
            ? $"'{Short(problem.Word)}' matches several {dim}s: {string.Join(", ", problem.Values)}. Which one?"
            : $"There is no {dim} named '{Short(problem.Word)}'" + (members.Count > 0 ? $"; known: {string.Join(", ", members.Take(12))}." : ".");
        var options = values.Take(MaxOptions)
            .Select(v => new ClarificationOption(v, question.Replace(problem.Word, v, StringComparison.Ordinal)))
            .ToList();
        return new Clarification(reason, options);
    }

    private List<ClarificationOption> Options(IEnumerable<MetricDefinition> metrics, AnalyticsSpec? parts) =>
        metrics.Select(m => new ClarificationOption(SpecPhrases.Label(m.DisplayName, parts), SpecPhrases.Question(m.DisplayName, Allowed(parts, m)))).ToList();

    private static AnalyticsSpec? Allowed(AnalyticsSpec? parts, MetricDefinition metric) => parts is null ? null : parts with
    {
        GroupBy = parts.GroupBy.Where(metric.Dimensions.Contains).ToList(),
        Filters = parts.Filters.Where(f => metric.Dimensions.Contains(f.Dimension)).ToList(),
    };

    private static string Short(string word) => word.Length > 40 ? word[..40] + "…" : word;
}
