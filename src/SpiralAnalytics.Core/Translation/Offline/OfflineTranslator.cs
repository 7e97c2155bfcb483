using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;

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
        var vocabulary = DomainVocabulary.Default;
        var catalog = context.Catalog;
        var matcher = new MetricMatcher(catalog, context.Candidates);
        var resolver = new FilterResolver(context.Values);
        var clarifier = new Clarifier(catalog, matcher);
        if (QuestionRules.Hostile(request.Question, vocabulary) is { } hostile)
        {
            return TranslationOutcome.Ask(clarifier.Hostile(context.Candidates), TranslatorNames.Offline, ["the question carries an instruction or code: not answered"],
                1.0, [new TranslationEvidence(EvidenceParts.Analysis, hostile, "not answered", "vocabulary hostile", 1.0)]);
        }

        var text = QuestionRules.Rewrite(request.Question, vocabulary, resolver.Words);
        var evidence = text.Rewrites.ToList();
        var previousSpec = text.NewTopic ? null : request.Previous;
        var known = new HashSet<string>(matcher.Words.Concat(resolver.Words).Concat(Vocabulary.Filler).Concat(Vocabulary.Reserved)
            .Concat(Vocabulary.Months).Concat(["sprint", "week", "month", "quarter", "year", "day", "time", "trend", "top", "by", "per"]), StringComparer.Ordinal);
        var tokens = Join(Tokenizer.Tokenize(text.Text), matcher.Words, known);
        var asOf = DateOnly.FromDateTime(context.AsOf.UtcDateTime);
        var (q, time, thresholds, ranking, metrics, grouping, filters, byWords) = Read(tokens, asOf, previousSpec?.Time, matcher, resolver, known, valuesFirst: true);
        if ((Counted(metrics, q) ?? NarrowedByName(metrics, q)) is { } counted)
        {
            metrics = counted;
        }
        else if (metrics.Mentions.Count == 0 && previousSpec is null)
        {
            // "how many bugs were filed": when the values took the only words that name a metric, read the metric first
            var again = Read(tokens, asOf, previousSpec?.Time, matcher, resolver, known, valuesFirst: false);
            if (again.Metrics.Mentions.Count > 0)
            {
                (q, time, thresholds, ranking, metrics, grouping, filters, byWords) = again;
            }
        }

        metrics = Replaced(Subsume(metrics, q), q);
        var (intent, intentWords) = QuestionRules.Intent(q, vocabulary, metrics.Mentions.Count > 0,
            metrics.Mentions.SelectMany(m => m.Metric.Synonyms.Prepend(m.Metric.DisplayName)).ToList());
        if (intent == QuestionIntent.Forecast)
        {
            return TranslationOutcome.Ask(clarifier.Forecast(intentWords!, filters.Filters), TranslatorNames.Offline, [],
                1.0, [.. evidence, new TranslationEvidence(EvidenceParts.Analysis, intentWords!, "forecast (not a spec form)", "vocabulary intent", 1.0)]);
        }

        // "check say/do too" after a search for unusual sprints: the search, with the metric added
        var addsToAnalysis = previousSpec?.Analysis is not null && metrics.Mentions.Count > 0 && FollowUpMerger.AddsMetrics(q);
        if (intent is QuestionIntent.Diagnose or QuestionIntent.Anomalies
            || (previousSpec?.Analysis is not null && (metrics.Mentions.Count == 0 || addsToAnalysis) && FollowUpMerger.IsFollowUp(previousSpec, q, false)))
        {
            var form = intent switch
            {
                QuestionIntent.Diagnose => AnalysisForms.Diagnose,
                QuestionIntent.Anomalies => AnalysisForms.Anomalies,
                _ => previousSpec!.Analysis!,
            };
            var analysisPrevious = intent == QuestionIntent.Metrics ? previousSpec : null;
            var namesTeam = filters.Filters.Any(f => f.Dimension == Dimensions.Team);
            if (analysisPrevious is not null && QuestionRules.WidensScope(q) && !namesTeam)
            {
                // "check every team, going back to november": the same analysis over all teams
                analysisPrevious = analysisPrevious with { Filters = analysisPrevious.Filters.Where(f => f.Dimension != Dimensions.Team).ToList() };
            }

            // a question of its own intent keeps only the conversation's team, and only when it points back at it ("why did it …")
            // "what caused the drop" after Orion's velocity: a diagnosis that names neither a team nor a window is about what was
            // just shown, so of the one team the conversation is about
            var pointedAt = analysisPrevious is null && previousSpec is not null
                && (QuestionRules.RefersBack(q, vocabulary, namesTeam)
                    || (intent == QuestionIntent.Diagnose && !namesTeam && time.Time is null && !QuestionRules.WidensScope(q)
                        && previousSpec.Filters.Count(f => f.Dimension == Dimensions.Team && f.Op == FilterOps.Eq) == 1))
                ? previousSpec : null;
            IReadOnlyList<SpecFilter> scope = pointedAt is not null
                ? pointedAt.Filters.Where(f => f.Dimension == Dimensions.Team && !FilterOps.IsNegative(f.Op)).ToList()
                : [];
            if (intentWords is not null)
            {
                evidence.Add(new TranslationEvidence(EvidenceParts.Analysis, intentWords, form, "vocabulary intent", 1.0));
            }

            if (intent == QuestionIntent.Diagnose && intentWords?.StartsWith("how", StringComparison.Ordinal) == true && !filters.Filters.Any(f => f.Dimension == Dimensions.Team)
                && Unknown(q, known, matcher, Familiar(catalog)) is [_, ..] strangers && context.Values.Members(Dimensions.Team) is [_, ..] teams)
            {
                // "how's mike doing": a name that is no team, person or value of the tenant; asked back, never read as everyone
                evidence.Add(new TranslationEvidence(EvidenceParts.Filter, string.Join(", ", strangers), "no such team or person", "tenant values", 0));
                return TranslationOutcome.Ask(new Clarification(
                    $"I do not know '{string.Join("', '", strangers)}': the diagnosis is per team. Did you mean one of these?",
                    teams.Take(4).Select(t => new ClarificationOption($"How is {t.Value} doing", $"how is {t.Value} doing")).ToList()),
                    TranslatorNames.Offline, [], 1.0, evidence);
            }

            if (intent == QuestionIntent.Diagnose && intentWords?.StartsWith("how", StringComparison.Ordinal) == true && scope.Count == 0
                && !filters.Filters.Any(f => f.Dimension == Dimensions.Team) && !QuestionRules.WidensScope(q)
                && context.Values.Members(Dimensions.Team) is [_, _, ..] several)
            {
                // "how are we doing": the diagnosis is per team and the question names none; asked back, with every team as one option
                evidence.Add(new TranslationEvidence(EvidenceParts.Filter, intentWords, "no team named", "tenant values", 0));
                return TranslationOutcome.Ask(new Clarification(
                    "Which team do you mean? The diagnosis looks at each team's last sprint against its own baseline.",
                    several.Take(3).Select(t => new ClarificationOption($"How is {t.Value} doing", $"how is {t.Value} doing"))
                        .Append(new ClarificationOption("How are all the teams doing", "how are all the teams doing")).ToList()),
                    TranslatorNames.Offline, [], 1.0, evidence);
            }

            // "anything unusual in there?": a search for unusual sprints pointed at the previous answer looks in it — its window
            // and, unless it asks for anything "else", its sprint metrics
            var searched = form == AnalysisForms.Anomalies && pointedAt is not null ? pointedAt : null;
            var lookElsewhere = q.All.Any(t => t.Text is "else" or "other" or "others");
            if (Analysis(form, metrics, time, filters, analysisPrevious, scope, searched, lookElsewhere, addsToAnalysis, context, evidence) is { } analysis)
            {
                return analysis;
            }
        }

        if (intent != QuestionIntent.Metrics)
        {
            // an intent of its own is never merged into the previous question's spec
            previousSpec = null;
        }

        if (metrics.Mentions.Count == 0 && metrics.Ambiguous.Count > 1 && thresholds.Select(t => t.Unit).OfType<string>().FirstOrDefault() is { } unit
            && metrics.Ambiguous.Where(m => m.Unit == unit).ToList() is [var measured])
        {
            // "more than 40 hours blocked": the threshold's unit settles which of the metrics a word could mean
            metrics = new MetricReading([new MetricMention(measured, thresholds[0].Position, metrics.AmbiguousWord ?? measured.Name)], [], null);
        }

        var leansOnPrevious = false;
        if (metrics.Mentions.Count == 0 && metrics.Ambiguous.Count > 1 && Settled(metrics, q, previousSpec) is { } settled)
        {
            metrics = new MetricReading([settled], [], null);
            byWords = true;
            // "as a rate pls", "also the p90": a word settled by the previous question's metric is a follow-up of it
            leansOnPrevious = previousSpec is not null && previousSpec.MetricNames.Any(p => Kin(p, settled.Metric));
        }

        request = request with { Previous = previousSpec };
        var followUp = FollowUpMerger.IsFollowUp(request.Previous, q, metrics.Mentions.Count > 0 && !leansOnPrevious);
        var previous = followUp ? request.Previous : null;
        var reading = new QuestionReading(metrics.Mentions, time, grouping, filters.Filters, filters.Versus, ranking, thresholds, FollowUpMerger.AddsMetrics(q), FollowUpMerger.AddsValues(q))
        {
            Removed = text.Removed,
            Reversed = text.Reversed,
        };

        if (filters.Problem is { } problem)
        {
            var members = context.Values.Members(problem.Dimension).Select(m => m.Value).ToList();
            return TranslationOutcome.Ask(Answerable(Clarifier.Value(problem, text.Text, members), request, context), TranslatorNames.Offline, [], 1.0,
                [.. evidence, new TranslationEvidence(EvidenceParts.Filter, problem.Word, problem.Values.Count > 0 ? string.Join(" | ", problem.Values) : "no such value", "tenant values", 0)]);
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
            // the bounds and ranking asked for stay in every option ("teams averaging under 100 pts a sprint": velocity under 100)
            var qualifiers = SpecPhrases.Qualifiers(reading.Thresholds, reading.Ranking);
            return TranslationOutcome.Ask(metrics.Ambiguous.Count > 1
                ? clarifier.AmbiguousMetric(metrics.AmbiguousWord ?? "", metrics.Ambiguous, parts, qualifiers)
                : clarifier.NoMetric(context.Candidates, parts, qualifiers), TranslatorNames.Offline);
        }

        if (Combined(definitions, q, catalog) is { } combined)
        {
            // "gap between planned and done pts": the metric built on both amounts whose own wording has the question's other word
            definitions = [combined];
            reading = reading with { Metrics = [new MetricMention(combined, reading.Metrics.FirstOrDefault()?.Position ?? 0, combined.Name)] };
        }

        if (thresholds.Any(t => t.Unit == "ratio") && definitions is [{ Unit: not "ratio" } amount] && Share(amount, q, catalog) is { } share)
        {
            // "sprints where we completed less than 70% of the commitment": a percentage of an amount is the share of it the verb names
            definitions = [share];
            reading = reading with { Metrics = [new MetricMention(share, reading.Metrics.FirstOrDefault()?.Position ?? 0, share.Name)] };
        }

        string? shareNote = null;
        if (!thresholds.Any(t => t.Unit == "ratio") && definitions is [{ Unit: not "ratio" } whole] && AsksForShare(q)
            && NarrowedShare(whole, reading.Filters, catalog) is var (part, narrowing))
        {
            // "how much of what each team finished is bug fixing": the share of the amount the narrowing value names
            definitions = [part];
            reading = reading with
            {
                Metrics = [new MetricMention(part, reading.Metrics.FirstOrDefault()?.Position ?? 0, part.Name)],
                Filters = reading.Filters.Where(f => f != narrowing).ToList(),
            };
            shareNote = $"'{string.Join(", ", narrowing.Values)}' as a share of {whole.Name}: {part.Name}";
        }

        if (shareNote is null && !thresholds.Any(t => t.Unit == "ratio") && definitions is [{ Unit: not "ratio" } asked] && AsksForShare(q)
            && Share(asked, q, catalog) is { } named)
        {
            // "what share of vega's commitment was carried over": the share of the amount (catalog share_of) the other words name
            definitions = [named];
            reading = reading with { Metrics = [new MetricMention(named, reading.Metrics.FirstOrDefault()?.Position ?? 0, named.Name)] };
            shareNote = $"a share of {asked.Name}: {named.Name}";
        }

        definitions = Totalled(definitions, reading.Metrics, q, catalog, out var totalNote);
        if (totalNote is not null)
        {
            shareNote = shareNote is null ? totalNote : $"{shareNote}; {totalNote}";
        }

        if (AsksForShare(q) && definitions.Count > 1 && definitions.Any(r => r.Unit == "ratio"))
        {
            // "how much of orion's commitment was carryover": the share names the ratio; the amount it is built on is its base
            definitions = definitions.Where(d => d.Unit == "ratio" || !definitions.Any(r => r.Unit == "ratio" && r.DependsOn.Contains(d.Name))).ToList();
        }

        if (thresholds.Any(t => t.Unit == "ratio"))
        {
            // "more than a quarter of committed points spilled over": a share is the ratio's, not of the amount it is built on
            definitions = definitions.Where(d => d.Unit == "ratio" || !definitions.Any(r => r.Unit == "ratio" && r.DependsOn.Contains(d.Name))).ToList();
        }

        definitions = definitions.Take(SpecLimits.MaxMetrics).ToList();
        var (spec, notes) = SpecAssembler.Assemble(reading, definitions, previous);
        if (shareNote is not null)
        {
            notes.Insert(0, shareNote);
        }
        if (followUp)
        {
            notes.Insert(0, "follow-up: changed the previous question's spec");
        }

        if (followUp && QuestionRules.WidensScope(q)
            && spec.Filters.Where(f => !FilterOps.IsNegative(f.Op) && spec.GroupBy.Contains(f.Dimension) && reading.Filters.All(r => r.Dimension != f.Dimension)).ToList() is [_, ..] widened)
        {
            // "do it per team, all teams" after Atlas's figure: the rows are every team, not Atlas alone
            spec = spec with { Filters = spec.Filters.Except(widened).ToList() };
            notes.Add($"all of them: without the previous filter on {string.Join(", ", widened.Select(f => f.Dimension.Replace('_', ' ')))}");
        }

        spec = Dedicated(context.Values.Canonicalize(spec), catalog, notes);
        if (SpecRepairs.RepairAll(spec, new SpecValidator(catalog, context.Values)) is not { } repaired)
        {
            return TranslationOutcome.Ask(clarifier.NoMetric(context.Candidates, null), TranslatorNames.Offline, notes, 1.0, evidence);
        }

        (spec, var repairs) = repaired;
        notes.AddRange(repairs);
        evidence.AddRange(Evidence(reading, spec, followUp, byWords));
        var unknown = Unknown(q, known, matcher, Familiar(catalog));
        var unmet = UnmetShare(q, spec, catalog);
        var asksAmount = unmet is null ? UnmetAmount(q, spec, catalog) : null;
        // a grouping or filter the question asked for that the metric cannot take: the answer would silently be another question's
        var dropped = Dropped(reading, definitions, context.Values);
        var unused = Unused(q, spec, catalog, matcher, resolver);
        foreach (var word in unused)
        {
            evidence.Add(new TranslationEvidence(EvidenceParts.Metric, word, "a metric word no part of the reading explains", "unused catalog word", 0));
        }

        var names = NameLike(unknown, request.Question);
        var loose = Unexplained(q, spec, thresholds, catalog);
        var confidence = Math.Round(Math.Pow(UnusedFactor, unused.Count), 3) * Confidence(byWords, unknown.Count - names.Count, repairs.Count, followUp && metrics.Mentions.Count > 0,
            filters.Dangling.Count + (unmet is null ? 0 : 1) + (asksAmount is null ? 0 : 1) + dropped.Count + names.Count + loose.Count);
        if (unmet is not null)
        {
            evidence.Add(new TranslationEvidence(EvidenceParts.Metric, unmet, "asks for a share, the metric is an amount", "unit words", 0));
        }

        foreach (var word in unknown)
        {
            evidence.Add(new TranslationEvidence(EvidenceParts.Metric, word, "not understood", "no rule or vocabulary word", 0));
        }

        foreach (var word in filters.Dangling)
        {
            evidence.Add(new TranslationEvidence(EvidenceParts.Filter, word, "excludes nothing I know", "exclusion without a value", 0));
        }

        if (confidence < TranslationConfidence.Threshold)
        {
            var reason = filters.Dangling.Count > 0
                ? $"I am not sure I read this right: I could not tell what '{string.Join("', '", filters.Dangling)}' leaves out, so this would include everything. Did you mean one of these?"
                : names.Count > 0
                ? $"I am not sure I read this right: no team, person or other value of yours is called '{string.Join("', '", names)}', so this would include everyone. Did you mean one of these?"
                : unknown.Count > 0
                ? $"I am not sure I read this right: I do not know '{string.Join("', '", unknown)}'. Did you mean one of these?"
                : dropped.Count > 0
                ? $"I am not sure I read this right: {string.Join("; ", dropped)}. Did you mean one of these?"
                : unmet is not null
                ? $"I am not sure I read this right: '{unmet}' asks for a share, and I found an amount. Did you mean one of these?"
                : asksAmount is not null
                ? $"I am not sure I read this right: '{asksAmount}' asks for an amount, and I found a share. Did you mean one of these?"
                : loose.Count > 0
                ? $"I am not sure I read this right: my reading does not use {string.Join("; ", loose)}. Did you mean one of these?"
                : unused.Count > 0
                ? $"I am not sure I read this right: my reading leaves out '{string.Join("', '", unused)}'. Did you mean one of these?"
                : "I am not sure which metric you mean. Did you mean one of these?";
            var likely = unmet is not null ? Shares(spec, catalog) : asksAmount is not null ? Bases(spec, catalog) : unused.Count > 0 ? Wording(unused, q, spec, catalog, matcher) : [];
            // the question's own bounds and ranking, in its own words and units, stay in every option
            var bounds = reading.Thresholds.Count > 0 || reading.Ranking is not null ? SpecPhrases.Qualifiers(reading.Thresholds, reading.Ranking) : null;
            var clarification = clarifier.Readings(reason, spec, context.Candidates, likely, bounds);
            if (loose.Count > 0 && spec.Time is not null && spec.Compare is null && spec.Analysis is null)
            {
                // "went up", "jan vs feb": the likely reading compares the window with the one before it
                var compared = spec with { Compare = new CompareSpec(CompareSpec.PreviousPeriod) };
                var display = string.Join(" and ", spec.MetricNames.Select(catalog.Find).OfType<MetricDefinition>().Select(m => m.DisplayName));
                clarification = clarification with
                {
                    Options = clarification.Options.Take(1).Append(new ClarificationOption(SpecPhrases.Label(display, compared), SpecPhrases.Question(display, compared, bounds ?? "")))
                        .Concat(clarification.Options.Skip(1)).Take(4).ToList(),
                };
            }

            return TranslationOutcome.Ask(Answerable(clarification, request, context), TranslatorNames.Offline, notes, 1 - confidence, evidence);
        }

        return TranslationOutcome.Of(spec, TranslatorNames.Offline, notes, confidence, evidence);
    }

    /// <summary>
    /// A value clarification's options are the question with each value: an option that is itself unclear (its metric is
    /// ambiguous too) becomes that option's own first reading, so every option answers with a spec.
    /// </summary>
    private static Clarification Answerable(Clarification clarification, TranslationRequest request, TranslationContext context)
    {
        if (Nested.Value)
        {
            return clarification;
        }

        Nested.Value = true;
        try
        {
            var options = clarification.Options.Select(o =>
            {
                var inner = Translate(request with { Question = o.Question }, context);
                return inner.Spec is not null || inner.Clarification is not { Options: [var first, ..] } ? o
                    : new ClarificationOption(first.Label == o.Label ? o.Label : $"{o.Label}: {first.Label}", first.Question);
            }).ToList();
            return clarification with { Options = options };
        }
        finally
        {
            Nested.Value = false;
        }
    }

    private static readonly ThreadLocal<bool> Nested = new();

    /// <summary>
    /// How sure the reading is: a metric named by a catalog phrase counts 1, by single words 0.75; each word no rule or vocabulary
    /// knows multiplies by 0.7 (two unknown words next to a single-word metric, or three anywhere, ask back); each exclusion that
    /// excluded nothing or share word beside an amount by <see cref="DanglingFactor"/>
    /// (always asks back); each repair the
    /// validator forced by 0.9.
    /// </summary>
    public static double Confidence(bool byWords, int unknownWords, int repairs, bool mergedWithMetric, int danglingExclusions = 0)
    {
        var confidence = byWords ? 0.75 : 1.0;
        confidence *= Math.Pow(0.7, unknownWords);
        confidence *= Math.Pow(DanglingFactor, danglingExclusions);
        confidence *= Math.Pow(0.9, repairs);
        return Math.Round(mergedWithMetric ? confidence * 0.95 : confidence, 3);
    }

    /// <summary>
    /// A qualifier the reading could not attach — an exclusion that excluded nothing ("skip the flaky ones"), a share asked of an
    /// amount ("bug percentage" read as a bug count) — means the answer would silently differ from what was asked: the worst kind
    /// of wrong answer, one that looks right. One such qualifier alone brings any reading below the threshold.
    /// </summary>
    public const double DanglingFactor = 0.5;

    /// <summary>Words no parser used that no vocabulary, catalog phrase or tenant value knows (nor is a typo of): what the reading ignored.</summary>
    private static List<string> Unknown(QuestionTokens q, IReadOnlySet<string> known, MetricMatcher matcher, IReadOnlySet<string> familiar) =>
        q.Free.Where(t => t.Text.Length >= 3 && t.Text.All(char.IsLetter) && !known.Contains(t.Stem) && !known.Contains(t.Text)
                          && !familiar.Contains(t.Stem) && !familiar.Contains(Tokenizer.Root(t.Stem))
                          && !Ignorable.Contains(t.Text) && !matcher.Words.Any(w => Tokenizer.Near(t.Stem, w)))
            .Select(t => t.Raw).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Words the catalog's descriptions use (and their roots): familiar in a question even where no rule reads them.</summary>
    private static IReadOnlySet<string> Familiar(MetricCatalog catalog) =>
        catalog.Active.SelectMany(m => Tokenizer.Stems(m.Description)).SelectMany(s => new[] { s, Tokenizer.Root(s) }).ToHashSet(StringComparer.Ordinal);

    /// <summary>Words of chat that say nothing about the spec (politeness, hedges, verbs of asking).</summary>
    private static readonly HashSet<string> Ignorable = new(StringComparer.Ordinal)
    {
        "yo", "hey", "hi", "hello", "quick", "question", "thanks", "thank", "cool", "please", "pls", "want", "need", "know", "wondering",
        "curious", "check", "real", "really", "actually", "total", "overall", "number", "amount", "count", "value", "values", "metric",
        "metrics", "stats", "numbers", "figure", "figures", "data", "report", "breakdown", "break", "down", "split", "compare", "comparison",
        "looking", "like", "mean", "got", "getting", "ones", "one", "folks", "crew", "squad", "guys", "people", "person", "everyone",
        "anyone", "someone", "things", "stuff", "whole", "entire", "org", "organization", "company", "right", "now", "currently", "today",
        "lately", "recently", "far", "yet", "still", "did", "does", "doing", "done", "end", "start", "since", "until", "through", "into",
        "onto", "out", "off", "going", "gone", "went", "come", "came", "make", "made", "take", "took", "let", "see", "seen", "say", "said",
        "way", "ways", "kind", "sort", "type", "types", "level", "levels", "rate", "rates", "ratio", "share", "percent", "percentage",
        "average", "avg", "median", "mean", "typical", "per", "across", "between", "among", "each", "every", "both", "either", "neither",
        "versus", "against", "relative", "compared", "group", "grouped", "sorted", "ordered", "ranked", "rank", "order", "first", "last",
        "highest", "lowest", "best", "worst", "most", "least", "more", "less", "fewer", "fewest", "many", "much", "some", "few", "lot",
        "lots", "bunch", "whats", "hows", "whos", "wheres", "thats", "theres", "lemme", "gimme", "wanna", "gonna", "okay", "sure",
        "also", "across", "all", "overall", "including", "included", "except", "excluding", "without", "with", "only", "just", "even",
        "team", "teams", "sprint", "sprints", "period", "window", "history", "time", "times", "date", "dates", "ago", "back", "previous",
        "prior", "before", "after", "during", "over", "under", "above", "below", "than", "then", "there", "here", "what", "which", "who",
        "how", "when", "where", "why", "everything", "anything", "nothing", "something", "stuff", "tickets", "ticket", "issues", "issue",
        "items", "item", "work", "task", "tasks", "story", "stories", "bugs", "bug", "happen", "happened", "happening", "show", "tell",
        "give", "list", "pull", "fetch", "find", "get", "look", "see", "view", "display", "print", "chart", "graph", "plot", "table",
        "across", "whole", "entire", "current", "ongoing", "active", "open", "next", "upcoming", "recent", "latest", "newest", "oldest",
        "could", "would", "should", "might", "must", "shall", "will", "broken", "broke", "totally", "actually", "basically", "literally",
        "exactly", "roughly", "approximately", "about", "around", "fix", "fixing", "fixes", "fixed", "yeah", "yes", "cheers", "hmm",
        "wondering", "interested", "care", "team's", "sorry", "btw", "fyi", "asap", "often", "usually", "generally", "typically",
        "pull", "bring", "up", "instead", "rather", "plus", "minus", "again", "same", "similar", "different", "diff", "separate", "unrelated",
        "fraction", "proportion", "portion", "though", "although",
        "tbh", "imo", "idk", "lmk", "nvm", "wrt", "lol", "haha", "ty", "thx", "ya", "yep", "nope", "pretty", "kinda", "sorta", "quickly",
        "guess", "think", "wonder", "seem", "seems", "feel", "feels", "yall", "folks", "somebody", "help", "grab", "snapshot", "anyway",
        "anyways", "honestly", "ish", "ok", "ok.", "alright", "hm", "huh", "um", "uh", "hiya", "morning", "afternoon", "all", "y'all",
    };

    /// <summary>Which words chose which part of the spec.</summary>
    private static IEnumerable<TranslationEvidence> Evidence(QuestionReading reading, AnalyticsSpec spec, bool followUp, bool byWords)
    {
        foreach (var mention in reading.Metrics.Where(m => spec.MetricNames.Contains(m.Metric.Name)))
        {
            yield return new TranslationEvidence(EvidenceParts.Metric, mention.Phrase, mention.Metric.Name, byWords ? "catalog word" : "catalog phrase", byWords ? 0.75 : 1.0);
        }

        foreach (var filter in reading.Filters)
        {
            yield return new TranslationEvidence(EvidenceParts.Filter, string.Join(", ", filter.Values), $"{filter.Dimension} {(filter.Negated ? "not " : "")}{string.Join(" | ", filter.Values)}", "tenant values", 1.0);
        }

        foreach (var group in spec.GroupBy)
        {
            yield return new TranslationEvidence(EvidenceParts.GroupBy, reading.Grouping.Dimensions.Contains(group) ? group.Replace('_', ' ') : "", group,
                reading.Grouping.Dimensions.Contains(group) ? "grouping words" : followUp ? "previous spec" : "implied by ranking", 1.0);
        }

        if (spec.Time is { } time)
        {
            yield return new TranslationEvidence(EvidenceParts.Time, reading.Time.Time is null ? "" : SpecPhrases.Time(time), SpecPhrases.Time(time),
                reading.Time.Time is not null ? "time words" : followUp ? "previous spec" : "implied by comparison", 1.0);
        }

        if (spec.Compare is not null)
        {
            yield return new TranslationEvidence(EvidenceParts.Compare, reading.Time.Compare ? "vs / compared" : "", "previous_period", reading.Time.Compare ? "comparison words" : "previous spec", 1.0);
        }

        if (followUp)
        {
            yield return new TranslationEvidence(EvidenceParts.FollowUp, "", "merged into the previous spec", "follow-up rule", 0.95);
        }
    }

    /// <summary>
    /// An analysis question: diagnose explains the composite problem score of the chosen sprints (the last closed one when the
    /// question names none), anomalies lists the sprints whose sprint metrics stand out (the metrics named, else the composite).
    /// Only team filters and the window are read; what else the question named is left out with a note. A follow-up of an
    /// analysis (<paramref name="previous"/>) changes its teams or window.
    /// </summary>
    private static TranslationOutcome? Analysis(string form, MetricReading metrics, TimeReading time, FilterReading filters, AnalyticsSpec? previous,
        IReadOnlyList<SpecFilter> scope, AnalyticsSpec? searched, bool lookElsewhere, bool adds, TranslationContext context, List<TranslationEvidence> evidence)
    {
        var catalog = context.Catalog;
        var composite = catalog.Active.Where(m => m.Type == MetricTypes.Composite && m.Grain == MetricGrains.Sprint).OrderBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault();
        if (composite is null)
        {
            return null;
        }

        var notes = new List<string> { form == AnalysisForms.Diagnose ? "read as a diagnosis of the sprints" : "read as a search for unusual sprints" };
        var named = metrics.Mentions.Select(m => m.Metric).Where(m => m.Grain == MetricGrains.Sprint && m.Type != MetricTypes.Composite).DistinctBy(m => m.Name).Take(SpecLimits.MaxMetrics).ToList();
        var shown = searched is null || lookElsewhere ? [] : searched.MetricNames.Select(catalog.Find).OfType<MetricDefinition>()
            .Where(m => m.Grain == MetricGrains.Sprint && m.Type != MetricTypes.Composite && !ZScoreSql.HasNoSprintValue(m)).Select(m => m.Name).ToList();
        var names = form == AnalysisForms.Anomalies && named.Count > 0
                ? (adds && previous?.Analysis == form ? previous.Metrics : []).Concat(named.Select(m => m.Name)).Distinct(StringComparer.Ordinal).Take(SpecLimits.MaxMetrics).ToList()
            : previous?.Analysis == form ? previous.Metrics.ToList()
            : shown.Count > 0 && shown.Count == searched!.Metrics.Count ? shown : [composite.Name];
        if (names.SequenceEqual(shown) && shown.Count > 0)
        {
            notes.Add($"looked for unusual sprints in the previous answer's {string.Join(", ", shown)}");
        }

        var teams = filters.Filters.Where(f => f.Dimension == Dimensions.Team)
            .Select(f => new SpecFilter(f.Dimension, f.Negated ? FilterOps.NotIn : f.Values.Count == 1 ? FilterOps.Eq : FilterOps.In, f.Values)).ToList();
        if (previous is not null && teams.Count == 0)
        {
            teams = previous.Filters.Where(f => f.Dimension == Dimensions.Team).ToList();
        }

        if (teams.Count == 0 && scope.Count > 0)
        {
            teams = scope.ToList();
            notes.Add($"kept the team of the previous question: {string.Join(", ", scope.SelectMany(f => f.Values))}");
        }

        foreach (var other in filters.Filters.Where(f => f.Dimension != Dimensions.Team))
        {
            notes.Add($"{other.Dimension.Replace('_', ' ')} {string.Join(", ", other.Values)} left out: the analysis is per team");
        }

        var window = time.Time ?? (time.Compare ? time.Implied : null) ?? previous?.Time ?? searched?.Time ?? (form == AnalysisForms.Diagnose ? new LastSprintsTime(1) : null);
        var spec = context.Values.Canonicalize(new AnalyticsSpec
        {
            Analysis = form,
            Metrics = names,
            Filters = teams,
            Time = window,
            Compare = form == AnalysisForms.Diagnose && (time.Compare || (time.Time is null && previous?.Compare is not null)) ? new CompareSpec(CompareSpec.PreviousPeriod) : null,
        });
        if (SpecRepairs.RepairAll(spec, new SpecValidator(catalog, context.Values)) is not { } repaired || repaired.Spec.Analysis is null)
        {
            return null;
        }

        notes.AddRange(repaired.Notes);
        evidence.Add(new TranslationEvidence(EvidenceParts.Metric, named.Count > 0 && form == AnalysisForms.Anomalies ? string.Join(", ", metrics.Mentions.Select(m => m.Phrase)) : "",
            string.Join(", ", repaired.Spec.Metrics), form == AnalysisForms.Anomalies && named.Count > 0 ? "catalog phrase" : "analysis form", 1.0));
        evidence.AddRange(teams.Select(t => new TranslationEvidence(EvidenceParts.Filter, string.Join(", ", t.Values), $"team {string.Join(" | ", t.Values)}", "tenant values", 1.0)));
        if (repaired.Spec.Time is { } t)
        {
            evidence.Add(new TranslationEvidence(EvidenceParts.Time, time.Time is null ? "" : SpecPhrases.Time(t), SpecPhrases.Time(t),
                time.Time is not null ? "time words" : previous is not null ? "previous spec" : "analysis default: the last closed sprint", time.Time is null ? 0.9 : 1.0));
        }

        return TranslationOutcome.Of(repaired.Spec, TranslatorNames.Offline, notes, repaired.Notes.Count == 0 ? 0.9 : 0.8, evidence);
    }

    /// <summary>The part rules in their order (<see cref="PartRules"/>); single metric words are read after the tenant's values unless <paramref name="valuesFirst"/> is false.</summary>
    private static (QuestionTokens Q, TimeReading Time, IReadOnlyList<ThresholdReading> Thresholds, RankingReading? Ranking, MetricReading Metrics,
        GroupingReading Grouping, FilterReading Filters, bool ByWords) Read(List<Token> tokens, DateOnly asOf, TimeSpec? previous, MetricMatcher matcher,
        FilterResolver resolver, IReadOnlySet<string> known, bool valuesFirst)
    {
        var r = PartRules.Read(tokens, valuesFirst ? PartRules.ValuesFirst : PartRules.MetricWordsFirst, new PartContext(asOf, previous, matcher, resolver, known));
        return (r.Q, r.Time, r.Thresholds, r.Ranking, r.Metrics, r.Grouping, r.Filters, r.ByWords);
    }

    /// <summary>
    /// The share of <paramref name="amount"/> (a metric whose catalog <c>share_of</c> names it, with no row filter) whose
    /// definition's first clause uses most of the question's words no parser took ("completed"), if exactly one does.
    /// </summary>
    private static MetricDefinition? Share(MetricDefinition amount, QuestionTokens q, MetricCatalog catalog)
    {
        var words = q.Free.Where(t => t.Text.Length > 2 && !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Reserved.Contains(t.Text)).ToList();
        var scored = catalog.Active
            .Where(m => m.ShareOf is { Where: null } share && share.Metric == amount.Name)
            .Select(m =>
            {
                var clause = Tokenizer.Stems(m.Description.Split(':', '.')[0]).ToHashSet(StringComparer.Ordinal);
                return (Metric: m, Score: words.Count(w => clause.Contains(w.Stem)));
            })
            .OrderByDescending(x => x.Score).ToList();
        return scored.Count > 0 && scored[0].Score > 0 && (scored.Count == 1 || scored[0].Score > scored[1].Score) ? scored[0].Metric : null;
    }

    /// <summary>
    /// "total pts wanda shipped in the last 3 sprints": a total asks for the sum of a measure, so a metric that is the per-sprint
    /// mean of it (velocity) becomes the one metric summing the same measure (completed story points) — unless the question
    /// named the mean by its own name.
    /// </summary>
    private static List<MetricDefinition> Totalled(List<MetricDefinition> definitions, IReadOnlyList<MetricMention> mentions, QuestionTokens q,
        MetricCatalog catalog, out string? note)
    {
        note = null;
        if (!q.All.Any(t => t.Text is "total" or "totals" or "totaled" or "totalled" or "sum" or "altogether" or "cumulative" or "combined"))
        {
            return definitions;
        }

        var result = new List<MetricDefinition>();
        foreach (var d in definitions)
        {
            var byName = mentions.Any(m => m.Metric == d && (CatalogText.Normalize(m.Phrase) == CatalogText.Normalize(CatalogText.NameAsWords(d.Name))
                                                             || CatalogText.Normalize(m.Phrase) == CatalogText.Normalize(d.DisplayName)));
            if (d.Statistic == MetricStatistics.MeanPerSprint && !byName
                && catalog.Active.Where(m => m.Type == MetricTypes.Simple && m.Measure == d.Measure && m.Statistic is null).ToList() is [var sum])
            {
                note = $"a total: {sum.Name}, the sum of what {d.Name} averages per sprint";
                result.Add(sum);
            }
            else
            {
                result.Add(d);
            }
        }

        return result.DistinctBy(m => m.Name).ToList();
    }

    /// <summary>
    /// "how many tix did atlas get over the line", "how many stories did nova complete": a word that could mean several metrics,
    /// in a question that counts ("how many", "number of", "count of"), means the one counting issues, when exactly one of them
    /// does and the question names no other unit ("how many points …").
    /// </summary>
    public static MetricReading? Counted(MetricReading metrics, QuestionTokens q)
    {
        var all = q.All;
        // "tix hiro got done per sprint": a noun for issues counts them as surely as "how many" does (not in a share of them)
        var counts = Enumerable.Range(0, Math.Max(0, all.Count - 1)).Any(i => (all[i].Text, all[i + 1].Text) is ("how", "many") or ("number", "of") or ("count", "of"))
                     || (all.Any(t => t.Text is "tickets" or "ticket" or "issues" or "issue" or "items") && !SaysShare(q));
        if (!counts || metrics.Mentions.Count > 0 || metrics.Ambiguous.Count < 2
            || metrics.Ambiguous.Where(m => m.Unit == "issues").ToList() is not [var issues])
        {
            return null;
        }

        var units = metrics.Ambiguous.Where(m => m.Unit != "issues").Select(m => Tokenizer.Stem(m.Unit)).ToHashSet(StringComparer.Ordinal);
        units.UnionWith(units.Select(u => u.TrimEnd('s')).ToList());
        if (all.Any(t => units.Contains(t.Stem)))
        {
            return null;
        }

        return Chosen(metrics, q, issues);
    }

    /// <summary>The metric a shared word was settled to: the word now names it, used, so the coverage check does not count it as left out.</summary>
    private static MetricReading Chosen(MetricReading metrics, QuestionTokens q, MetricDefinition metric)
    {
        var word = Tokenizer.Stems(metrics.AmbiguousWord ?? "");
        var at = q.All.FirstOrDefault(t => !q.IsUsed(t.Index) && word.Contains(t.Stem));
        if (at is not null)
        {
            q.Use(at.Index);
        }

        return new MetricReading([new MetricMention(metric, at?.Index ?? 0, metrics.AmbiguousWord ?? metric.Name)], [], null);
    }

    /// <summary>
    /// "epics with more than 5 bugs reported": of the metrics a word could mean, the one that narrows another of them to values
    /// the question names (catalog <c>narrows</c>: bugs created is issues created with issue type Bug) — even where a bound used
    /// the noun — unless the question asks for a share.
    /// </summary>
    public static MetricReading? NarrowedByName(MetricReading metrics, QuestionTokens q)
    {
        if (metrics.Mentions.Count > 0 || metrics.Ambiguous.Count < 2 || SaysShare(q))
        {
            return null;
        }

        var stems = q.All.Select(t => t.Stem).ToHashSet(StringComparer.Ordinal);
        var named = metrics.Ambiguous.Where(n => n.Narrows is { Where: { } where } narrows && metrics.Ambiguous.Any(m => m.Name == narrows.Metric)
            && where.Values.All(values => values.Any(v => stems.Contains(Tokenizer.Stem(v.ToLowerInvariant()))))).ToList();
        return named is [var one] ? Chosen(metrics, q, one) : null;
    }

    /// <summary>A share asked for ("share of", "how much of") or named ("%", "rate", "ratio").</summary>
    private static bool SaysShare(QuestionTokens q) =>
        AsksForShare(q) || q.All.Any(t => t.Text is "%" or "percent" or "percentage" or "rate" or "ratio" or "share");

    /// <summary>Another metric of the same family (<c>lead_time_p50</c>, <c>lead_time_p90</c>).</summary>
    private static bool SameFamily(string previous, MetricDefinition metric)
    {
        static string Family(string name) => name.Contains('_', StringComparison.Ordinal) ? name[..name.LastIndexOf('_')] : name;
        return previous != metric.Name && Family(previous) == Family(metric.Name);
    }

    /// <summary>A metric built on the previous one (catalog <c>depends_on</c>: reopen rate on reopened issues).</summary>
    private static bool BuiltOn(string previous, MetricDefinition metric) => previous != metric.Name && metric.DependsOn.Contains(previous);

    /// <summary>Either: a word settled by such a metric makes the question a follow-up of the previous one.</summary>
    private static bool Kin(string previous, MetricDefinition metric) => SameFamily(previous, metric) || BuiltOn(previous, metric);

    /// <summary>
    /// A word several metrics share, settled by the rest of the question: in a follow-up, the one metric of the previous spec's
    /// family ("also the p90" after median cycle time: cycle time p90, not lead time p90); else the one whose wording also has
    /// the concept of another free word of the question ("pts did jonas finish": finish is complete, so completed story points).
    /// </summary>
    public static MetricMention? Settled(MetricReading metrics, QuestionTokens q, AnalyticsSpec? previous)
    {
        var word = metrics.AmbiguousWord ?? "";
        var position = q.All.FirstOrDefault(t => string.Equals(t.Raw, word, StringComparison.OrdinalIgnoreCase))?.Index ?? 0;
        if (previous is not null && metrics.Ambiguous.Where(m => previous.MetricNames.Any(p => SameFamily(p, m))).ToList() is [var kin])
        {
            return new MetricMention(kin, position, word);
        }

        // "as a rate pls" after reopened issues: the one candidate built on the previous metric (catalog depends_on)
        if (previous is not null && metrics.Ambiguous.Where(m => previous.MetricNames.Any(p => BuiltOn(p, m))).ToList() is [var built])
        {
            return new MetricMention(built, position, word);
        }

        var concepts = DomainVocabulary.Default.Concepts.Values;
        var own = Tokenizer.Stems(word).ToHashSet(StringComparer.Ordinal);
        var asked = q.Free.Where(t => !own.Contains(t.Stem) && t.Text.Length >= 3)
            .SelectMany(t => concepts.Where(c => c.Contains(t.Text)).SelectMany(c => c)).Select(Tokenizer.Stem).ToHashSet(StringComparer.Ordinal);
        if (asked.Count == 0)
        {
            return null;
        }

        static HashSet<string> Wording(MetricDefinition m) =>
            m.Synonyms.Prepend(m.DisplayName).Prepend(CatalogText.NameAsWords(m.Name)).SelectMany(Tokenizer.Stems).ToHashSet(StringComparer.Ordinal);
        var fitting = metrics.Ambiguous.Where(m => Wording(m).Overlaps(asked)).ToList();
        if (fitting.Count > 1)
        {
            // both wordings have the concept: the one that also has the shared word ("points": completed story points)
            fitting = fitting.Where(m => Wording(m).IsSupersetOf(own)).ToList();
        }

        return fitting is [var one] ? new MetricMention(one, position, word) : null;
    }

    /// <summary>
    /// "use p90 instead of the median", "lead time rather than cycle time": the metrics named after "instead of" / "rather than"
    /// are the ones being replaced, when another is named before them.
    /// </summary>
    public static MetricReading Replaced(MetricReading metrics, QuestionTokens q)
    {
        var all = q.All;
        var at = Enumerable.Range(0, Math.Max(0, all.Count - 1))
            .FirstOrDefault(i => (all[i].Text == "instead" && all[i + 1].Text == "of") || (all[i].Text == "rather" && all[i + 1].Text == "than"), -1);
        // what replaces them is named before (a metric, or a word several metrics share, settled later: "use p90 instead of the median")
        if (at < 0 || !(metrics.Mentions.Any(m => m.Position < at) || metrics.Ambiguous.Count > 0))
        {
            return metrics;
        }

        q.Use([all[at].Index, all[at + 1].Index]);
        return metrics with { Mentions = metrics.Mentions.Where(m => m.Position < at).ToList() };
    }

    /// <summary>Words that list several metrics ("velocity and spillover", "wip vs unassigned wip").</summary>
    private static readonly HashSet<string> Listing = new(StringComparer.Ordinal) { "and", "or", "vs", "versus", "plus", "&", "also", "w" };

    /// <summary>
    /// "any wip with nobody on it": a metric named by words that all belong to the wording of another metric named in the same
    /// breath (no list word between them) is part of that metric's wording, not a metric of its own ("wip" in "unassigned wip").
    /// </summary>
    public static MetricReading Subsume(MetricReading metrics, QuestionTokens q)
    {
        var kept = metrics.Mentions.Where(a => !metrics.Mentions.Any(b =>
        {
            if (b.Metric.Name == a.Metric.Name)
            {
                return false;
            }

            var wording = b.Metric.Synonyms.Prepend(b.Metric.DisplayName).Prepend(CatalogText.NameAsWords(b.Metric.Name)).Append(b.Phrase)
                .Select(p => Tokenizer.Stems(p)).ToList();
            var own = Tokenizer.Stems(a.Phrase);
            var (from, to) = a.Position < b.Position ? (a.Position, b.Position) : (b.Position, a.Position);
            return own.Count > 0 && wording.Any(w => w.Count > own.Count && own.All(w.Contains))
                   && !q.All.Skip(from + 1).Take(Math.Max(0, to - from - 1)).Any(t => Listing.Contains(t.Text));
        })).ToList();
        return kept.Count == metrics.Mentions.Count || kept.Count == 0 ? metrics : metrics with { Mentions = kept };
    }

    /// <summary>
    /// What each catalog word that no part of the reading explains multiplies the confidence by: with a metric read from single
    /// words (0.75) one such word asks back (0.56), with a catalog phrase (1.0) it takes two. Measured: at 0.8 the readings it
    /// lowered were 1 wrong in [0.6, 0.7) and 3 right in [0.8, 0.9), no right one below 0.7.
    /// </summary>
    public const double UnusedFactor = 0.75;

    /// <summary>
    /// Words of the catalog's metric wording that no parser used and that the chosen metrics' own wording does not contain
    /// ("fixing" beside a count of bugs, "estimate" beside velocity): a qualifier the reading may have dropped. Grammar, time,
    /// value and chat words are not counted.
    /// </summary>
    public static IReadOnlyList<string> Unused(QuestionTokens q, AnalyticsSpec spec, MetricCatalog catalog, MetricMatcher matcher, FilterResolver resolver)
    {
        var own = spec.MetricNames.Select(catalog.Find).OfType<MetricDefinition>()
            .SelectMany(m => m.Synonyms.Prepend(m.DisplayName).Prepend(CatalogText.NameAsWords(m.Name)).Append(m.Description))
            .SelectMany(Tokenizer.Stems).SelectMany(x => new[] { x, Tokenizer.Root(x) }).ToHashSet(StringComparer.Ordinal);
        return q.Free.Where(t => t.Text.Length >= 3 && t.Text.All(char.IsLetter) && matcher.Words.Contains(t.Stem)
                                 && !own.Contains(t.Stem) && !own.Contains(Tokenizer.Root(t.Stem)) && !resolver.Words.Contains(t.Stem)
                                 && !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Reserved.Contains(t.Text) && !Ignorable.Contains(t.Text)
                                 && !Vocabulary.Months.Contains(t.Text) && !TimeWords.Contains(t.Stem))
            .Select(t => t.Raw).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// The metrics whose wording has an unused word, those sharing most of the question's catalog words first ("pts finished":
    /// completed story points), then the search's order: the likely readings.
    /// </summary>
    private static IReadOnlyList<MetricDefinition> Wording(IReadOnlyList<string> unused, QuestionTokens q, AnalyticsSpec spec, MetricCatalog catalog, MetricMatcher matcher)
    {
        // a word stands for its concept ("finished" for complete, completed, done …: vocabulary concepts)
        var stems = unused.Select(w => Tokenizer.Stem(w.ToLowerInvariant()))
            .SelectMany(w => Kindred(w).Select(Tokenizer.Stem)).ToHashSet(StringComparer.Ordinal);
        var asked = q.All.Select(t => t.Stem).Where(matcher.Words.Contains).Where(w => !Vocabulary.Filler.Contains(w) && !TimeWords.Contains(w)).Distinct()
            .Select(w => Kindred(w).Select(Tokenizer.Stem).ToHashSet(StringComparer.Ordinal)).ToList();
        return catalog.Active
            .Where(m => m.Type != MetricTypes.Composite && !spec.MetricNames.Contains(m.Name))
            .Select(m => (Metric: m, Words: m.Synonyms.Prepend(m.DisplayName).Prepend(CatalogText.NameAsWords(m.Name)).SelectMany(Tokenizer.Stems).ToHashSet(StringComparer.Ordinal)))
            .Where(x => stems.Any(x.Words.Contains))
            .Select(x => (x.Metric, Hits: asked.Count(a => a.Overlaps(x.Words))))
            .OrderByDescending(x => x.Hits).ThenBy(x => matcher.Rank(x.Metric.Name)).ThenBy(x => x.Metric.Name, StringComparer.Ordinal)
            .Select(x => x.Metric).Take(3).ToList();
    }

    /// <summary>
    /// Two or more amounts and a free word of a metric built on all of them (catalog <c>depends_on</c>; its name, display name
    /// or synonyms, a word standing for its vocabulary concept): "difference between committed and completed points" is the
    /// planning accuracy error, "closed to created ratio" the throughput ratio. Of several, the one built on the fewest others;
    /// a comparison word ("vs") joins amounts, it does not combine them.
    /// </summary>
    private static MetricDefinition? Combined(IReadOnlyList<MetricDefinition> amounts, QuestionTokens q, MetricCatalog catalog)
    {
        if (amounts.Count < 2 || amounts.Any(a => a.Unit == MetricUnits.Ratio))
        {
            return null;
        }

        var joiners = DomainVocabulary.Default.Concepts.TryGetValue("versus", out var versus) ? versus.ToHashSet(StringComparer.Ordinal) : [];
        var free = q.Free.Where(t => t.Text.Length >= 3 && t.Text.All(char.IsLetter) && !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Reserved.Contains(t.Text)
                && !TimeWords.Contains(t.Stem))
            .SelectMany(t => Kindred(t.Text)).Where(w => !joiners.Contains(w)).Select(Tokenizer.Stem).ToHashSet(StringComparer.Ordinal);
        var built = catalog.Active
            .Where(m => m.Type != MetricTypes.Composite && amounts.All(a => m.DependsOn.Contains(a.Name))
                && m.Synonyms.Prepend(m.DisplayName).Prepend(CatalogText.NameAsWords(m.Name)).SelectMany(Tokenizer.Stems).Any(free.Contains))
            .OrderBy(m => m.DependsOn.Count).ToList();
        return built is [var one] || (built is [var first, var second, ..] && first.DependsOn.Count < second.DependsOn.Count) ? built[0] : null;
    }

    /// <summary>A word and the words of its vocabulary concept ("finished": complete, completed, done …).</summary>
    private static IEnumerable<string> Kindred(string word) =>
        DomainVocabulary.Default.Concepts.Values.Where(c => c.Contains(word)).SelectMany(c => c).Append(word);

    private static readonly HashSet<string> TimeWords = new(StringComparer.Ordinal)
    {
        "sprint", "week", "month", "quarter", "year", "day", "period", "time", "trend", "since", "until", "previous", "past", "prior",
    };

    /// <summary>Words that ask for a share or a rate, not an amount.</summary>
    private static readonly HashSet<string> ShareWords = new(StringComparer.Ordinal)
    {
        "share", "percent", "percentage", "%", "ratio", "proportion", "fraction", "rate", "pct",
    };

    /// <summary>
    /// A share word no parser used ("bug rate per team", "how much of …") while every metric of the spec is an amount: the
    /// question asked for a share the reading does not give; the word, or null.
    /// </summary>
    public static string? UnmetShare(QuestionTokens q, AnalyticsSpec spec, MetricCatalog catalog)
    {
        if (spec.Metrics.Count == 0 || spec.MetricNames.Select(catalog.Find).Any(m => m is null || m.Unit == "ratio"))
        {
            return null;
        }

        if (q.Free.FirstOrDefault(t => ShareWords.Contains(t.Text))?.Raw is { } word)
        {
            return word;
        }

        // "how much of the commitment did atlas finish": a share of an amount that has shares (catalog share_of), none of them named
        if (AsksForShare(q) && catalog.Active.Any(m => m.ShareOf is { } share && spec.MetricNames.Contains(share.Metric)))
        {
            return "how much of";
        }

        // "how often does phoenix hit its commitment": how often asks for a rate, not the amount
        var all = q.All;
        return Enumerable.Range(0, Math.Max(0, all.Count - 1)).Any(i => all[i].Text == "how" && all[i + 1].Text == "often") ? "how often" : null;
    }

    /// <summary>
    /// The groupings and filters the question itself named that the metrics cannot take (the assembler leaves them out), said
    /// in words; a filter on a value the metric's own wording or description already names ("bugs" beside escaped defects) is
    /// no loss, as is a dimension one of whose values the metric's name already fixes ("bug count by issue type", "bug share for
    /// stories": the metric is about one issue type).
    /// </summary>
    public static IReadOnlyList<string> Dropped(QuestionReading reading, IReadOnlyList<MetricDefinition> metrics, DimensionValues values)
    {
        if (metrics.Count == 0)
        {
            return [];
        }

        var allowed = Dimensions.All.Where(d => metrics.All(m => m.Dimensions.Contains(d))).ToHashSet(StringComparer.Ordinal);
        var own = metrics.SelectMany(m => m.Synonyms.Prepend(m.DisplayName).Append(m.Description)).SelectMany(Tokenizer.Stems)
            .SelectMany(x => new[] { x, Tokenizer.Root(x) }).ToHashSet(StringComparer.Ordinal);
        var named = metrics.SelectMany(m => m.Synonyms.Prepend(m.DisplayName).Prepend(CatalogText.NameAsWords(m.Name))).SelectMany(Tokenizer.Stems)
            .ToHashSet(StringComparer.Ordinal);
        allowed.UnionWith(Dimensions.All.Where(d => values.Members(d).Any(v => Tokenizer.Stems(v.Value) is [var one] && named.Contains(one))));
        var names = string.Join(", ", metrics.Select(m => m.DisplayName));
        var groups = reading.Grouping.Dimensions.Concat(reading.Ranking?.Dimension is { } rows ? [rows] : []).Distinct(StringComparer.Ordinal)
            .Where(d => !allowed.Contains(d)).Select(d => $"{names} cannot be split by {d.Replace('_', ' ')}");
        var filters = reading.Filters.Where(f => !allowed.Contains(f.Dimension) && !f.Values.All(v => Tokenizer.Stems(v).All(own.Contains)))
            .Select(f => $"{names} cannot be narrowed to {f.Dimension.Replace('_', ' ')} {string.Join(", ", f.Values)}");
        return groups.Concat(filters).ToList();
    }

    /// <summary>
    /// Parts of the question that say something the spec does not do: a comparison word ("cycle time in jan vs feb") with no
    /// comparison, second metric, grouping or list of values; a word of change ("went up", "increased") with neither a comparison
    /// nor a time grouping; a threshold in another unit than the metric's ("tickets over 5 points" is a size, not a count of
    /// points); a number no part of the reading used ("in sprint 42"). Each would silently answer another question.
    /// </summary>
    public static IReadOnlyList<string> Unexplained(QuestionTokens q, AnalyticsSpec spec, IReadOnlyList<ThresholdReading> thresholds, MetricCatalog catalog)
    {
        var found = new List<string>();
        var all = q.All;
        var timed = spec.GroupBy.Any(g => g == Dimensions.Sprint || Dimensions.Calendar.Contains(g));
        if (spec.Compare is null && spec.Analysis is null && spec.Metrics.Count < 2 && spec.GroupBy.Count == 0 && !spec.Filters.Any(f => f.Values.Count > 1)
            && q.Free.FirstOrDefault(t => t.Text is "vs" or "versus"
                                          // "bugs filed against atlas": against a value read as a filter is where they were filed
                                          || (t.Text == "against" && !(t.Index + 1 < all.Count && q.IsUsed(all[t.Index + 1].Index) && Named(spec, all[t.Index + 1])))) is { } versus)
        {
            found.Add($"'{versus.Raw}' (nothing is compared)");
        }

        if (spec.Compare is null && !timed && spec.Analysis is null)
        {
            var change = q.Free.FirstOrDefault(t => ChangeWords.Contains(t.Text)
                                                    || (t.Text is "up" or "down" && t.Index > 0 && all[t.Index - 1].Text is "went" or "gone" or "go" or "going" or "trending"));
            if (change is not null)
            {
                found.Add($"'{(change.Text is "up" or "down" ? all[change.Index - 1].Raw + " " : "")}{change.Raw}' (no comparison over time)");
            }
        }

        var units = spec.MetricNames.Select(catalog.Find).OfType<MetricDefinition>().Select(m => m.Unit).ToHashSet(StringComparer.Ordinal);
        foreach (var threshold in thresholds.Where(t => t.Unit is { } u && u != "ratio" && units.Count > 0 && !units.Contains(u)))
        {
            found.Add($"'{threshold.Unit}' (the metric counts {string.Join(", ", units)})");
        }

        foreach (var number in q.Free.Where(t => t.Text.Length > 0 && t.Text.All(char.IsDigit)))
        {
            found.Add($"'{number.Raw}'");
        }

        return found;
    }

    /// <summary>Whether the token is (a word of) one of the spec's filter values.</summary>
    private static bool Named(AnalyticsSpec spec, Token token) =>
        spec.Filters.Any(f => f.Values.Any(v => Tokenizer.Stems(v).Contains(token.Stem) || string.Equals(v, token.Raw, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Words that ask how a value moved over time.</summary>
    private static readonly HashSet<string> ChangeWords = new(StringComparer.Ordinal)
    {
        "increase", "increased", "increasing", "decrease", "decreased", "decreasing", "rose", "risen", "rising", "fell", "fallen", "falling",
        "improve", "improved", "improving", "worsen", "worsened", "worsening", "change", "changed", "changing", "grew", "shrank", "shrunk",
    };

    /// <summary>
    /// Unknown words standing where a name stands — possessive ("sarah's velocity"), after by/for/from/with/vs/and ("closed by
    /// priya", "tom vs jonas"), compared with another ("compare kevin and jonas", "kevin vs jonas"), next to a team word ("the zeus team",
    /// "team falcon") — are a team or person the tenant does not
    /// have: reading past them would answer for everyone, so each counts as a qualifier the reading could not attach.
    /// </summary>
    public static IReadOnlyList<string> NameLike(IReadOnlyList<string> unknown, string question)
    {
        var text = question.Replace('’', '\'');
        return unknown.Where(word => !DomainVocabulary.Default.TeamWords.Contains(word.ToLowerInvariant())).Where(word =>
        {
            var w = System.Text.RegularExpressions.Regex.Escape(word);
            return System.Text.RegularExpressions.Regex.IsMatch(text,
                $@"\b{w}'s?\b|\b(?:by|for|from|with|vs|versus|and|of|to)\s+{w}\b|\b(?:compare|between)\s+{w}\s+(?:and|&|vs|versus|with)\b|\b{w}\s+(?:vs|versus)\s+\w|\b{w}\s+(?:team|teams|folks|crew|squad|group)\b|(?<!\b(?:each|every|per|which|what|a|one|whole|entire|my|our|your)\s+)\b(?:team|squad)\s+{w}\b",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }).ToList();
    }

    /// <summary>
    /// "how many points did orion carry over": a count asked ("how many" and a counted noun) while every metric of the spec is a
    /// ratio; the words, or null.
    /// </summary>
    public static string? UnmetAmount(QuestionTokens q, AnalyticsSpec spec, MetricCatalog catalog)
    {
        if (spec.Metrics.Count == 0 || spec.MetricNames.Select(catalog.Find).Any(m => m is null || m.Unit != "ratio"))
        {
            return null;
        }

        var all = q.All;
        for (var i = 0; i + 2 < all.Count; i++)
        {
            if (all[i].Text == "how" && all[i + 1].Text == "many" && all[i + 2].Stem is "point" or "ticket" or "issue" or "bug" or "story" or "item" or "task" or "tix")
            {
                return $"how many {all[i + 2].Raw}";
            }
        }

        return null;
    }

    /// <summary>The amounts the spec's ratios are built on: the likely readings of an amount asked of a share.</summary>
    private static IReadOnlyList<MetricDefinition> Bases(AnalyticsSpec spec, MetricCatalog catalog) =>
        spec.MetricNames.Select(catalog.Find).OfType<MetricDefinition>().SelectMany(m => m.DependsOn).Distinct(StringComparer.Ordinal)
            .Select(catalog.Find).OfType<MetricDefinition>().Where(m => m.IsActive && m.Unit != "ratio").ToList();

    /// <summary>The ratios built on the spec's metrics (they depend on them): the likely readings of a share asked of an amount.</summary>
    private static IReadOnlyList<MetricDefinition> Shares(AnalyticsSpec spec, MetricCatalog catalog) =>
        catalog.Active.Where(m => m.Unit == "ratio" && spec.MetricNames.Any(m.DependsOn.Contains)).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

    /// <summary>Share words: "how much of", "what share / part / fraction / proportion / portion / percentage of", "% of".</summary>
    public static bool AsksForShare(QuestionTokens q)
    {
        var all = q.All;
        for (var i = 0; i + 1 < all.Count; i++)
        {
            if ((all[i].Text is "share" or "part" or "fraction" or "proportion" or "portion" or "percentage" or "percent" or "%" && all[i + 1].Text == "of"
                    && (i == 0 || Vocabulary.Number(all[i - 1]) is null))
                || (i + 2 < all.Count && all[i].Text == "how" && all[i + 1].Text == "much" && all[i + 2].Text == "of"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The share of <paramref name="whole"/> that one of the question's filters names (catalog <c>share_of</c> with that row
    /// filter: bug share is the share of completed issues with issue type Bug), if exactly one metric is.
    /// </summary>
    public static (MetricDefinition Part, FilterMention Narrowing)? NarrowedShare(MetricDefinition whole, IReadOnlyList<FilterMention> filters, MetricCatalog catalog)
    {
        var found = (
            from filter in filters.Where(f => !f.Negated)
            from ratio in catalog.Active
            where ratio.ShareOf is { } share && share.Metric == whole.Name && share.IsNarrowedTo(filter.Dimension, filter.Values)
            select (ratio, filter)).DistinctBy(x => x.ratio.Name).ToList();
        return found is [var one] ? one : null;
    }

    /// <summary>
    /// A metric narrowed to the values of one of the spec's filters, when the catalog has a metric that is exactly that
    /// (catalog <c>narrows</c>: bugs created is issues created with issue type Bug): that metric, without the filter.
    /// </summary>
    private static AnalyticsSpec Dedicated(AnalyticsSpec spec, MetricCatalog catalog, List<string> notes)
    {
        if (spec.Metrics is not [var name] || catalog.Find(name) is not { } metric)
        {
            return spec;
        }

        var found = (
            from candidate in spec.Filters.Where(f => f.Op is "eq" or "in")
            from narrowed in catalog.Active
            where narrowed.Narrows is { } narrows && narrows.Metric == metric.Name && narrows.IsNarrowedTo(candidate.Dimension, candidate.Values)
            select (narrowed, candidate)).ToList();
        if (found is not [var (dedicated, filter)])
        {
            return spec;
        }

        var rest = spec.Filters.Where(f => f != filter).ToList();
        if (spec.GroupBy.Concat(rest.Select(f => f.Dimension)).Any(d => !dedicated.Dimensions.Contains(d)))
        {
            return spec;
        }

        notes.Add($"{metric.Name} of {string.Join(", ", filter.Values)} issues is {dedicated.Name}");
        return spec with
        {
            Metrics = [dedicated.Name],
            Filters = rest,
            Having = spec.Having.Select(h => h with { Metric = dedicated.Name }).ToList(),
            Sort = spec.Sort.Select(o => o.By == metric.Name ? o with { By = dedicated.Name } : o).ToList(),
        };
    }

    /// <summary>The understood parts of a question without a metric, said back in the clarification's options.</summary>
    private static AnalyticsSpec Parts(QuestionReading reading, MetricCatalog catalog, AnalyticsSpec? previous)
    {
        var any = catalog.Active.Count > 0 ? catalog.Active[0] : null;
        var spec = any is null
            ? new AnalyticsSpec { Metrics = [] }
            : SpecAssembler.Assemble(reading with { Thresholds = [] }, [any with { Dimensions = Dimensions.All }], previous).Spec;
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
