using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation;

/// <summary>A question to translate. <paramref name="Previous"/> is the last spec of the same conversation, which a follow-up changes.</summary>
public sealed record TranslationRequest(string Question, DateTimeOffset AsOf, AnalyticsSpec? Previous = null);

/// <summary>A metric the catalog search found for the question (rank order), with the synonym or name it matched, if any.</summary>
public sealed record MetricCandidate(string Name, double Score, string? Match);

/// <summary>
/// Everything a translator may know about the tenant: the active catalog, the metrics the search found for the question,
/// the tenant's dimension members (teams with their keys, sprints, people, issue types, priorities, epics) and <c>as_of</c>.
/// </summary>
public sealed record TranslationContext(MetricCatalog Catalog, IReadOnlyList<MetricCandidate> Candidates, DimensionValues Values, DateTimeOffset AsOf)
{
    /// <summary>The tenant's verified questions nearest to this one (nearest first): worked examples for a model's prompt.</summary>
    public IReadOnlyList<VerifiedExample> VerifiedExamples { get; init; } = [];
}

/// <summary>
/// What a translator answers: exactly one of <see cref="Spec"/> (valid against the catalog and the tenant's values) or
/// <see cref="Clarification"/>. <see cref="Translator"/> names who answered (<c>offline</c>, <c>llm</c>, or
/// <c>offline</c> with a note saying why the model did not).
/// </summary>
public sealed record TranslationOutcome
{
    public AnalyticsSpec? Spec { get; init; }

    public Clarification? Clarification { get; init; }

    public required string Translator { get; init; }

    /// <summary>What the reader should know (assumptions made, a fallback taken); shown with the answer.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// How sure the translator is that <see cref="Spec"/> is what was meant, 0..1 (below
    /// <see cref="TranslationConfidence.Threshold"/> the offline translator asks back instead). For a clarification: how sure it is
    /// that asking was right (1 = nothing in the question could be read as a spec).
    /// </summary>
    public double Confidence { get; init; } = 1.0;

    /// <summary>Which words of the question chose which part of the spec (metric, dimension, value, window, …), in question order.</summary>
    public IReadOnlyList<TranslationEvidence> Evidence { get; init; } = [];

    public static TranslationOutcome Of(AnalyticsSpec spec, string translator, IReadOnlyList<string>? notes = null,
        double confidence = 1.0, IReadOnlyList<TranslationEvidence>? evidence = null) =>
        new() { Spec = spec, Translator = translator, Notes = notes ?? [], Confidence = confidence, Evidence = evidence ?? [] };

    public static TranslationOutcome Ask(Clarification clarification, string translator, IReadOnlyList<string>? notes = null,
        double confidence = 1.0, IReadOnlyList<TranslationEvidence>? evidence = null) =>
        new() { Clarification = clarification, Translator = translator, Notes = notes ?? [], Confidence = confidence, Evidence = evidence ?? [] };
}

/// <summary>
/// One reason behind a translation: the question's <see cref="Words"/> (as typed; empty when the part is a default or came
/// from the previous spec) chose <see cref="Value"/> for the spec's <see cref="Part"/> (one of <see cref="EvidenceParts"/>),
/// by <see cref="Rule"/> (the named rule or source: "catalog synonym", "embedding", "tenant value", "default", "previous spec",
/// "verified question", …) with <see cref="Strength"/> 0..1.
/// </summary>
public sealed record TranslationEvidence(string Part, string Words, string Value, string Rule, double Strength);

/// <summary>The spec parts evidence names (the spec's JSON field names, plus <c>follow_up</c> for "merged into the previous spec").</summary>
public static class EvidenceParts
{
    public const string Analysis = "analysis";
    public const string Metric = "metrics";
    public const string GroupBy = "group_by";
    public const string Filter = "filters";
    public const string Time = "time";
    public const string Compare = "compare";
    public const string Having = "having";
    public const string Sort = "sort";
    public const string Limit = "limit";
    public const string FollowUp = "follow_up";

    /// <summary>A word of the question read through the vocabulary ("pts" → points, "knock out" → completed) before the parts.</summary>
    public const string Vocabulary = "vocabulary";
}

/// <summary>The confidence below which a translator asks back rather than answer.</summary>
public static class TranslationConfidence
{
    public const double Threshold = 0.6;
}

/// <summary>Why the question cannot be answered as asked, and 2–4 concrete questions that can.</summary>
public sealed record Clarification(string Reason, IReadOnlyList<ClarificationOption> Options);

/// <summary>A clickable alternative: <see cref="Question"/> is asked as the next message of the conversation.</summary>
public sealed record ClarificationOption(string Label, string Question);

public static class TranslatorNames
{
    public const string Offline = "offline";
    public const string Llm = "llm";
}

/// <summary>
/// A translator over a loaded <see cref="TranslationContext"/>: the offline translator (pure) or the model-backed one.
/// Returns a spec that passes <c>SpecValidator(context.Catalog, context.Values)</c>, or a clarification.
/// </summary>
public interface IContextTranslator
{
    ValueTask<TranslationOutcome> TranslateAsync(TranslationRequest request, TranslationContext context, CancellationToken ct);
}
