using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// The deterministic translator (no network): parses time, comparisons, thresholds, ranking, metrics (catalog names,
/// display names and synonyms, with the search candidates breaking ties), grouping and the tenant's own values, then
/// assembles a spec that passes <see cref="SpecValidator"/>, or clarifies. Follow-ups change the previous spec
/// (<see cref="FollowUpMerger"/>). It never throws for a question: what it cannot read becomes a clarification.
/// </summary>
public sealed class OfflineTranslator : IContextTranslator
{
    public ValueTask<TranslationOutcome> TranslateAsync(TranslationRequest request, TranslationContext context, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult(Translate(request, context));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ValueTask.FromResult(TranslationOutcome.Ask(new Clarification(
                "I could not read that question. Try naming a metric, a window and a grouping, as in these:",
                [
                    new ClarificationOption("Velocity by team, last 3 sprints", "velocity by team last 3 sprints"),
                    new ClarificationOption("Spillover, last sprint", "spillover ratio last sprint"),
                ]), TranslatorNames.Offline));
        }
    }

    public static TranslationOutcome Translate(TranslationRequest request, TranslationContext context)
    {
        var catalog = context.Catalog;
        var matcher = new MetricMatcher(catalog, context.Candidates);
        var resolver = new FilterResolver(context.Values);
        var clarifier = new Clarifier(catalog, matcher);
        var known = new HashSet<string>(matcher.Words.Concat(resolver.Words).Concat(Vocabulary.Filler).Concat(Vocabulary.Reserved)
            .Concat(Vocabulary.Months).Concat(["sprint", "week", "month", "quarter", "year", "day", "time", "trend", "top", "by", "per"]), StringComparer.Ordinal);
        var tokens = Join(Tokenizer.Tokenize(request.Question), matcher.Words, known);
        var asOf = DateOnly.FromDateTime(context.AsOf.UtcDateTime);
        var (q, time, thresholds, ranking, metrics, grouping, filters) = Read(tokens, asOf, request.Previous?.Time, matcher, resolver, known, valuesFirst: true);
        if (metrics.Mentions.Count == 0 && request.Previous is null)
        {
            // "how many bugs were filed": when the values took the only words that name a metric, read the metric first
            var again = Read(tokens, asOf, request.Previous?.Time, matcher, resolver, known, valuesFirst: false);
            if (again.Metrics.Mentions.Count > 0)
            {
                (q, time, thresholds, ranking, metrics, grouping, filters) = again;
            }
        }

        if (metrics.Mentions.Count == 0 && metrics.Ambiguous.Count > 1 && thresholds.Select(t => t.Unit).OfType<string>().FirstOrDefault() is { } unit
            && metrics.Ambiguous.Where(m => m.Unit == unit).ToList() is [var measured])
        {
            // "more than 40 hours blocked": the threshold's unit settles which of the metrics a word could mean
            metrics = new MetricReading([new MetricMention(measured, thresholds[0].Position, metrics.AmbiguousWord ?? measured.Name)], [], null);
        }

        var followUp = FollowUpMerger.IsFollowUp(request.Previous, q, metrics.Mentions.Count > 0);
        var previous = followUp ? request.Previous : null;
        var reading = new QuestionReading(metrics.Mentions, time, grouping, filters.Filters, filters.Versus, ranking, thresholds, FollowUpMerger.AddsMetrics(q));

        if (filters.Problem is { } problem)
        {
            var members = context.Values.Members(problem.Dimension).Select(m => m.Value).ToList();
            return TranslationOutcome.Ask(Clarifier.Value(problem, request.Question, members), TranslatorNames.Offline);
        }

        var definitions = reading.MetricDefinitions.ToList();
        if (previous is not null)
        {
            var before = previous.MetricNames.Select(catalog.Find).OfType<MetricDefinition>().ToList();
            definitions = definitions.Count == 0 ? before : reading.AddsMetrics ? before.Concat(definitions).DistinctBy(m => m.Name).ToList() : definitions;
        }

        if (definitions.Count == 0 || (previous is not null && metrics.Mentions.Count == 0 && !reading.HasModifiers))
        {
            var parts = Parts(reading, catalog, previous);
            return TranslationOutcome.Ask(metrics.Ambiguous.Count > 1
                ? clarifier.AmbiguousMetric(metrics.AmbiguousWord ?? "", metrics.Ambiguous, parts)
                : clarifier.NoMetric(context.Candidates, parts), TranslatorNames.Offline);
        }

        if (thresholds.Any(t => t.Unit == "ratio") && definitions is [{ Unit: not "ratio" } amount] && Share(amount, q, catalog) is { } share)
        {
            // "sprints where we completed less than 70% of the commitment": a percentage of an amount is the share of it the verb names
            definitions = [share];
            reading = reading with { Metrics = [new MetricMention(share, reading.Metrics.FirstOrDefault()?.Position ?? 0, share.Name)] };
        }

        if (thresholds.Any(t => t.Unit == "ratio"))
        {
            // "more than a quarter of committed points spilled over": a share is the ratio's, not of the amount it is built on
            definitions = definitions.Where(d => d.Unit == "ratio" || !definitions.Any(r => r.Unit == "ratio" && r.DependsOn.Contains(d.Name))).ToList();
        }

        definitions = definitions.Take(SpecLimits.MaxMetrics).ToList();
        var (spec, notes) = SpecAssembler.Assemble(reading, definitions, previous);
        if (followUp)
        {
            notes.Insert(0, "follow-up: changed the previous question's spec");
        }

        spec = Dedicated(context.Values.Canonicalize(spec), catalog, notes);
        var validator = new SpecValidator(catalog, context.Values);
        foreach (var relax in Relaxations)
        {
            if (validator.Errors(spec).Count == 0)
            {
                return TranslationOutcome.Of(spec, TranslatorNames.Offline, notes);
            }

            (spec, var note) = relax(spec);
            if (note is not null)
            {
                notes.Add(note);
            }
        }

        return validator.Errors(spec).Count == 0
            ? TranslationOutcome.Of(spec, TranslatorNames.Offline, notes)
            : TranslationOutcome.Ask(clarifier.NoMetric(context.Candidates, null), TranslatorNames.Offline);
    }

    /// <summary>The parsers in their order; single metric words are read after the tenant's values unless <paramref name="valuesFirst"/> is false.</summary>
    private static (QuestionTokens Q, TimeReading Time, IReadOnlyList<ThresholdReading> Thresholds, RankingReading? Ranking, MetricReading Metrics,
        GroupingReading Grouping, FilterReading Filters) Read(List<Token> tokens, DateOnly asOf, TimeSpec? previous, MetricMatcher matcher,
        FilterResolver resolver, IReadOnlySet<string> known, bool valuesFirst)
    {
        var q = new QuestionTokens(tokens);
        var time = new TimeParser(asOf, previous, known).Parse(q);
        var thresholds = ThresholdParser.Parse(q);
        var ranking = RankingParser.Parse(q);
        var metrics = matcher.Match(q, known);
        var grouping = GroupingParser.Parse(q);
        if (!valuesFirst && metrics.Mentions.Count == 0)
        {
            metrics = matcher.MatchWords(q, known);
        }

        var filters = resolver.Resolve(q, known, matcher.Pairs);
        if (metrics.Mentions.Count == 0 && valuesFirst)
        {
            metrics = matcher.MatchWords(q, known);
        }

        return (q, time, thresholds, ranking, metrics, grouping, filters);
    }

    /// <summary>
    /// The share metric built on <paramref name="amount"/> (a ratio depending on it whose definition starts "Share of …") whose
    /// definition's first clause uses most of the question's words no parser took ("completed"), if exactly one does.
    /// </summary>
    private static MetricDefinition? Share(MetricDefinition amount, QuestionTokens q, MetricCatalog catalog)
    {
        var words = q.Free.Where(t => t.Text.Length > 2 && !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Reserved.Contains(t.Text)).ToList();
        var scored = catalog.Active
            .Where(m => m.Unit == "ratio" && m.DependsOn.Contains(amount.Name) && m.Description.StartsWith("Share of", StringComparison.Ordinal))
            .Select(m =>
            {
                var clause = Tokenizer.Stems(m.Description.Split(':', '.')[0]).ToHashSet(StringComparer.Ordinal);
                return (Metric: m, Score: words.Count(w => clause.Contains(w.Stem)));
            })
            .OrderByDescending(x => x.Score).ToList();
        return scored.Count > 0 && scored[0].Score > 0 && (scored.Count == 1 || scored[0].Score > scored[1].Score) ? scored[0].Metric : null;
    }

    /// <summary>
    /// A count of issues narrowed to one issue type, when the catalog has a metric for that type's count ("Issues created" for
    /// Bug is "Bugs created"): that metric, without the filter.
    /// </summary>
    private static AnalyticsSpec Dedicated(AnalyticsSpec spec, MetricCatalog catalog, List<string> notes)
    {
        if (spec.Metrics.Count != 1 || spec.Filters.Where(f => f.Dimension == Dimensions.IssueType).ToList() is not [{ Op: "eq" or "in", Values: [var type] } filter]
            || catalog.Find(spec.Metrics[0]) is not { } metric || !metric.DisplayName.StartsWith("Issues ", StringComparison.Ordinal))
        {
            return spec;
        }

        var name = type + "s " + metric.DisplayName["Issues ".Length..];
        if (catalog.Active.FirstOrDefault(m => string.Equals(m.DisplayName, name, StringComparison.OrdinalIgnoreCase)) is not { } dedicated
            || dedicated.Unit != metric.Unit || dedicated.TimeColumn != metric.TimeColumn)
        {
            return spec;
        }

        var rest = spec.Filters.Where(f => f != filter).ToList();
        if (spec.GroupBy.Concat(rest.Select(f => f.Dimension)).Any(d => !dedicated.Dimensions.Contains(d)))
        {
            return spec;
        }

        notes.Add($"{metric.Name} of {type} issues is {dedicated.Name}");
        return spec with
        {
            Metrics = [dedicated.Name],
            Filters = rest,
            Having = spec.Having.Select(h => h with { Metric = dedicated.Name }).ToList(),
            Sort = spec.Sort.Select(o => o.By == metric.Name ? o with { By = dedicated.Name } : o).ToList(),
        };
    }

    /// <summary>What to give up, in order, if a spec still does not validate (a safety net: the assembler avoids these).</summary>
    private static readonly Func<AnalyticsSpec, (AnalyticsSpec, string?)>[] Relaxations =
    [
        s => (s with { Having = [], Sort = [], Limit = null }, s.Having.Count + s.Sort.Count > 0 ? "ranking and thresholds left out" : null),
        s => (s with { Compare = null }, s.Compare is null ? null : "comparison left out"),
        s => (s with { Filters = [] }, s.Filters.Count > 0 ? "filters left out" : null),
        s => (s with { GroupBy = [] }, s.GroupBy.Count > 0 ? "grouping left out" : null),
        s => (s with { Time = null }, s.Time is null ? null : "time window left out: the default applies"),
    ];

    /// <summary>The understood parts of a question without a metric, said back in the clarification's options.</summary>
    private static AnalyticsSpec Parts(QuestionReading reading, MetricCatalog catalog, AnalyticsSpec? previous)
    {
        var any = catalog.Active.Count > 0 ? catalog.Active[0] : null;
        var spec = any is null
            ? new AnalyticsSpec { Metrics = [] }
            : SpecAssembler.Assemble(reading with { Ranking = null, Thresholds = [] }, [any with { Dimensions = Dimensions.All }], previous).Spec;
        return spec with { Compare = null, Having = [], Sort = [], Limit = null };
    }

    /// <summary>Words that deny the verb after them ("didn't get finished").</summary>
    private static readonly HashSet<string> Denials = new(StringComparer.Ordinal)
    {
        "not", "never", "didnt", "didn", "wasnt", "werent", "isnt", "arent", "havent", "hasnt", "hadnt", "dont", "doesnt", "wont",
    };

    private static readonly HashSet<string> Removals = new(StringComparer.Ordinal)
    {
        "pull", "pulled", "pulling", "take", "taken", "took", "taking", "kick", "kicked", "move", "moved", "moving",
    };

    private static readonly HashSet<string> Finished = new(StringComparer.Ordinal)
    {
        "finish", "finished", "complete", "completed", "done", "deliver", "delivered", "close", "closed", "shipped", "ship",
    };

    /// <summary>
    /// Joins words typed apart that the catalog writes as one ("spill over", "spilled over" → spillover), and reads a denied
    /// completion ("didn't get finished", "not done") as the catalog's word "unfinished".
    /// </summary>
    private static List<Token> Join(IReadOnlyList<Token> tokens, IReadOnlySet<string> words, IReadOnlySet<string> known)
    {
        var result = new List<Token>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i + 1 < tokens.Count && !known.Contains(tokens[i].Stem)
                && new[] { tokens[i].Stem, Tokenizer.Root(tokens[i].Stem) }.FirstOrDefault(s => words.Contains(s + tokens[i + 1].Stem)) is { } first)
            {
                var text = first + tokens[i + 1].Text;
                result.Add(new Token(result.Count, tokens[i].Raw + tokens[i + 1].Raw, text, Tokenizer.Stem(text)));
                i++;
                continue;
            }

            // "pulled out of the sprint", "taken out", "kicked out": removed
            if (i + 1 < tokens.Count && tokens[i + 1].Text == "out" && Removals.Contains(tokens[i].Text) && words.Contains("removed"))
            {
                result.Add(new Token(result.Count, tokens[i].Raw + " " + tokens[i + 1].Raw, "removed", "removed"));
                i++;
                continue;
            }

            if (Denials.Contains(tokens[i].Text) && words.Contains("unfinished"))
            {
                var k = i + 1;
                while (k < tokens.Count && k <= i + 2 && tokens[k].Text is "get" or "got" or "been" or "be" or "yet" or "getting")
                {
                    k++;
                }

                if (k < tokens.Count && Finished.Contains(tokens[k].Text))
                {
                    var raw = string.Join(" ", tokens.Skip(i).Take(k - i + 1).Select(t => t.Raw));
                    result.Add(new Token(result.Count, raw, "unfinished", "unfinished"));
                    i = k;
                    continue;
                }
            }

            result.Add(tokens[i] with { Index = result.Count });
        }

        return result;
    }
}
