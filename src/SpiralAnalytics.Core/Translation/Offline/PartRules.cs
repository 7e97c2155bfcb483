using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>What the part rules read from one question, filled in by each rule in turn; each takes the tokens it understands.</summary>
public sealed class PartReading(QuestionTokens q)
{
    public QuestionTokens Q { get; } = q;

    public TimeReading Time { get; set; } = new(null, false, null);

    public IReadOnlyList<ThresholdReading> Thresholds { get; set; } = [];

    public IReadOnlyList<FilterMention> Excluded { get; set; } = [];

    public RankingReading? Ranking { get; set; }

    public MetricReading Metrics { get; set; } = new([], [], null);

    public GroupingReading Grouping { get; set; } = new([], false, false);

    public FilterReading Filters { get; set; } = new([], null, []);

    /// <summary>Whether the metrics were read from single words (no catalog phrase named one).</summary>
    public bool ByWords { get; set; }
}

/// <summary>What the part rules read with: the as_of date, the previous window, the catalog's matcher and the tenant's values.</summary>
public sealed record PartContext(DateOnly AsOf, TimeSpec? PreviousTime, MetricMatcher Matcher, FilterResolver Resolver, IReadOnlySet<string> Known);

/// <summary>One part rule: its name (for evidence and tests) and what it reads.</summary>
public sealed record PartRule(string Name, Action<PartReading, PartContext> Read);

/// <summary>
/// The rules that read a question's parts, after <see cref="QuestionRules"/> read it as a whole, in one ordered list: each
/// rule takes the tokens it understands, so a word read as a window is not read again as a value. Two orders differ only in
/// whether the tenant's values or single metric words go first (<see cref="ValuesFirst"/>, the default, and
/// <see cref="MetricWordsFirst"/>, tried when the values took the only words that name a metric).
/// </summary>
public static class PartRules
{
    public static readonly PartRule Time = new("time", (r, c) => r.Time = new TimeParser(c.AsOf, c.PreviousTime, c.Known).Parse(r.Q));

    public static readonly PartRule Thresholds = new("thresholds", (r, _) => r.Thresholds = ThresholdParser.Parse(r.Q));

    public static readonly PartRule Exclusions = new("exclusions", (r, c) => r.Excluded = c.Resolver.Exclusions(r.Q, c.Known));

    public static readonly PartRule Ranking = new("ranking", (r, _) => r.Ranking = RankingParser.Parse(r.Q));

    public static readonly PartRule MetricPhrases = new("metric phrases", (r, c) =>
    {
        r.Metrics = c.Matcher.Match(r.Q, c.Known);
        r.ByWords = r.Metrics.Mentions.Count == 0;
    });

    public static readonly PartRule Grouping = new("grouping", (r, _) => r.Grouping = GroupingParser.Parse(r.Q));

    public static readonly PartRule Values = new("values", (r, c) => r.Filters = c.Resolver.Resolve(r.Q, c.Known, c.Matcher.Pairs, r.Excluded));

    /// <summary>Single words that could name a metric, read only when no catalog phrase named one.</summary>
    public static readonly PartRule MetricWords = new("metric words", (r, c) =>
    {
        if (r.Metrics.Mentions.Count == 0)
        {
            r.Metrics = c.Matcher.MatchWords(r.Q, c.Known);
        }
    });

    public static readonly IReadOnlyList<PartRule> ValuesFirst = [Time, Thresholds, Exclusions, Ranking, MetricPhrases, Grouping, Values, MetricWords];

    public static readonly IReadOnlyList<PartRule> MetricWordsFirst = [Time, Thresholds, Exclusions, Ranking, MetricPhrases, Grouping, MetricWords, Values];

    /// <summary>Runs <paramref name="rules"/> in order over the tokens.</summary>
    public static PartReading Read(IReadOnlyList<Token> tokens, IReadOnlyList<PartRule> rules, PartContext context)
    {
        var reading = new PartReading(new QuestionTokens(tokens.ToList()));
        foreach (var rule in rules)
        {
            rule.Read(reading, context);
        }

        return reading;
    }
}
