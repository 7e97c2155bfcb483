using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Translation;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Translation;

/// <summary>The shipped catalog, a small tenant's values and a fallback double: what the LLM translator tests share.</summary>
public static class LlmTestKit
{
    public static readonly DateTimeOffset AsOf = new(2024, 4, 25, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<MetricCatalog> ShippedCatalog = new(() =>
    {
        var loaded = CatalogLoader.Load(Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        return loaded.Catalog;
    });

    public static MetricCatalog Catalog => ShippedCatalog.Value;

    public static DimensionValues Values { get; } = new(new Dictionary<string, IReadOnlyList<DimensionMember>>
    {
        ["team"] = [new("Atlas", ["ATL"]), new("Phoenix", ["PHX"])],
        ["sprint"] = [new("Sprint 1", []), new("Sprint 2", [])],
        ["assignee"] = [new("Ann", []), new("Bob", [])],
        ["issue_type"] = [new("Bug", []), new("Story", []), new("Task", [])],
        ["priority"] = [new("High", []), new("Low", [])],
        ["epic"] = [],
    });

    /// <summary>What the catalog search would find for a spillover question.</summary>
    public static TranslationContext Context(params string[] candidates) => new(
        Catalog,
        (candidates.Length > 0 ? candidates : ["spillover_ratio", "carryover_ratio", "velocity"])
            .Select((name, i) => new MetricCandidate(name, 1.0 - (i / 10.0), null)).ToList(),
        Values,
        AsOf);

    public static TranslationRequest Request(string question = "spillover by team in the last 3 sprints", AnalyticsSpec? previous = null) =>
        new(question, AsOf, previous);

    public static SemanticKernelTranslator Translator(Uri endpoint, IContextTranslator fallback, Action<LlmTranslatorOptions>? configure = null)
    {
        var options = new LlmTranslatorOptions { Endpoint = endpoint, Model = "fake-model", ApiKey = "test-key", TimeoutSeconds = 10 };
        configure?.Invoke(options);
        return new SemanticKernelTranslator(Options.Create(options), fallback, NullLogger<SemanticKernelTranslator>.Instance);
    }
}

/// <summary>Stands in for the offline translator: answers one fixed spec and counts how often it was asked.</summary>
public sealed class FallbackDouble : IContextTranslator
{
    public const string Note = "offline: assumed the default window";

    public static readonly AnalyticsSpec Spec = new() { Metrics = ["velocity"], GroupBy = ["team"] };

    private int _calls;

    public int Calls => _calls;

    public ValueTask<TranslationOutcome> TranslateAsync(TranslationRequest request, TranslationContext context, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        return ValueTask.FromResult(TranslationOutcome.Of(Spec, TranslatorNames.Offline, [Note]));
    }
}
