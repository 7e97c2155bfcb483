using SpiralAnalytics.Core.Analytics;
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

    public Clarification NoMetric(IReadOnlyList<MetricCandidate> candidates, AnalyticsSpec? parts, string qualifiers = "")
    {
        var metrics = candidates.Select(c => catalog.Find(c.Name)).OfType<MetricDefinition>().Where(m => m.IsActive).ToList();
        if (metrics.Count < 2)
        {
            // no useful search hits: the headline metric of each category
            metrics.AddRange(catalog.Active.GroupBy(m => m.Category).Select(g => g.OrderBy(m => matcher.Rank(m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal).First()));
        }

        return new Clarification("The question names no metric of the catalog I can answer with. Did you mean one of these?",
            Options(metrics.Distinct().Take(3), parts, qualifiers));
    }

    public Clarification AmbiguousMetric(string word, IReadOnlyList<MetricDefinition> metrics, AnalyticsSpec? parts, string qualifiers = "") =>
        new($"'{Short(word)}' could mean several metrics: {string.Join(", ", metrics.Take(MaxOptions).Select(m => m.DisplayName))}. Which one?",
            Options(metrics.Take(MaxOptions), parts, qualifiers));

    /// <summary>
    /// Text that carries an instruction or code is not answered: two plain questions instead (the closest metrics by search,
    /// else the headline metrics), never the text itself.
    /// </summary>
    public Clarification Hostile(IReadOnlyList<MetricCandidate> candidates)
    {
        var metrics = candidates.Select(c => catalog.Find(c.Name)).OfType<MetricDefinition>().Where(m => m.IsActive && m.Type != MetricTypes.Composite).Take(2).ToList();
        metrics.AddRange(catalog.Active.Where(m => m.Type != MetricTypes.Composite).OrderBy(m => matcher.Rank(m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal));
        var parts = new AnalyticsSpec { Metrics = [], GroupBy = [Dimensions.Team], Time = new LastSprintsTime(1) };
        // the text found is not echoed back: the reason says what kind of thing it was
        return new Clarification("I only answer questions about your sprint metrics, and this one carries an instruction, a command or code, so I did not read it. Ask it as a plain question, e.g.:",
            Options(metrics.DistinctBy(m => m.Name).Where(m => m.Dimensions.Contains(Dimensions.Team)).Take(2), parts));
    }

    /// <summary>A forecast has no spec form: the history it would be made from, as questions.</summary>
    public Clarification Forecast(string words, IReadOnlyList<FilterMention> filters)
    {
        var teams = filters.Where(f => f.Dimension == Dimensions.Team && !f.Negated).SelectMany(f => f.Values).ToList();
        var forTeams = teams.Count > 0 ? " for " + string.Join(" and ", teams) : " by team";
        var options = new List<ClarificationOption>();
        foreach (var (name, time) in new[] { ("velocity", "last 6 sprints"), ("say_do_ratio", "last 6 sprints"), ("completion_rate", "this sprint") })
        {
            if (catalog.Find(name) is { IsActive: true } metric)
            {
                options.Add(new ClarificationOption($"{metric.DisplayName}{forTeams}, {time}", $"{metric.DisplayName}{forTeams} {time}"));
            }
        }

        if (options.Count < 2)
        {
            options.AddRange(catalog.Active.Where(m => m.Grain == MetricGrains.Sprint && m.Type != MetricTypes.Composite).Take(2)
                .Select(m => new ClarificationOption($"{m.DisplayName}{forTeams}, last 6 sprints", $"{m.DisplayName}{forTeams} last 6 sprints")));
        }

        return new Clarification($"I cannot forecast ('{Short(words)}'): I answer from what happened. The history a forecast would start from:", options.Take(MaxOptions).ToList());
    }

    /// <summary>
    /// Low confidence: the reading itself as a question first, then the closest other metrics with the same parts, so one click
    /// answers whichever was meant.
    /// </summary>
    public Clarification Readings(string reason, AnalyticsSpec reading, IReadOnlyList<MetricCandidate> candidates, IReadOnlyList<MetricDefinition>? likely = null,
        string? qualifiers = null)
    {
        var chosen = reading.MetricNames.Select(catalog.Find).OfType<MetricDefinition>().ToList();
        qualifiers ??= Qualifiers(reading);
        var options = new List<ClarificationOption>
        {
            new(SpecPhrases.Label(string.Join(" and ", chosen.Select(m => m.DisplayName)), reading), SpecPhrases.Question(string.Join(" and ", chosen.Select(m => m.DisplayName)), reading, qualifiers)),
        };
        // the readings the unexplained words point to come before the search's nearest metrics
        options.AddRange(Options((likely ?? []).Where(m => chosen.All(c => c.Name != m.Name)).Take(MaxOptions - 1), reading, qualifiers));
        var others = candidates.Select(c => catalog.Find(c.Name)).OfType<MetricDefinition>()
            .Where(m => m.IsActive && m.Type != MetricTypes.Composite && chosen.All(c => c.Name != m.Name)).Take(MaxOptions - 1).ToList();
        if (others.Count == 0)
        {
            others = catalog.Active.Where(m => m.Type != MetricTypes.Composite && chosen.All(c => c.Name != m.Name)).OrderBy(m => matcher.Rank(m.Name)).Take(2).ToList();
        }

        options.AddRange(Options(others, reading, qualifiers));
        return new Clarification(reason, options.DistinctBy(o => o.Question).Take(MaxOptions).ToList());
    }

    /// <summary>A reading's bounds and ranking said back (a ratio's bound as a percentage), so another metric's option keeps them.</summary>
    private string Qualifiers(AnalyticsSpec reading) => string.Join(" ",
        reading.Having.Select(h => catalog.Find(h.Metric)?.Unit == MetricUnits.Ratio
                ? SpecPhrases.Bound(h.Op, h.Value * 100, percent: true, null)
                : SpecPhrases.Bound(h.Op, h.Value, percent: false, catalog.Find(h.Metric)?.Unit))
            .Append(reading.Sort is [var first, ..] && reading.MetricNames.Contains(first.By) ? SpecPhrases.Order(first.Dir ?? "desc", reading.Limit) : "")
            .Where(s => s.Length > 0));

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

    private static List<ClarificationOption> Options(IEnumerable<MetricDefinition> metrics, AnalyticsSpec? parts, string qualifiers = "") =>
        metrics.Select(m => new ClarificationOption(SpecPhrases.Label(m.DisplayName, parts), SpecPhrases.Question(m.DisplayName, Allowed(parts, m), qualifiers))).ToList();

    private static AnalyticsSpec? Allowed(AnalyticsSpec? parts, MetricDefinition metric) => parts is null ? null : parts with
    {
        GroupBy = parts.GroupBy.Where(metric.Dimensions.Contains).ToList(),
        Filters = parts.Filters.Where(f => metric.Dimensions.Contains(f.Dimension)).ToList(),
    };

    private static string Short(string word) => word.Length > 40 ? word[..40] + "…" : word;
}
