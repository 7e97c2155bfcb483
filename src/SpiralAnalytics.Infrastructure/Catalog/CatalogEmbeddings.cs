using Microsoft.Extensions.AI;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>What the catalog embeds and how an embedder is identified in <c>metric_versions.embedder_id</c>.</summary>
public static class CatalogEmbeddings
{
    /// <summary>The width of <c>metric_versions.embedding</c> (vector(384)).</summary>
    public const int Dimensions = 384;

    public static string IdentityOf(string? provider, string? model, int? dimensions) =>
        $"{provider ?? "unknown"}-{model ?? "default"}@{dimensions ?? Dimensions}";

    /// <summary>The id stored beside each embedding: provider, model and dimensions from the generator's metadata.</summary>
    public static string IdentityOf(IEmbeddingGenerator<string, Embedding<float>> generator) =>
        generator.GetService(typeof(EmbeddingGeneratorMetadata)) is EmbeddingGeneratorMetadata metadata
            ? IdentityOf(metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions)
            : IdentityOf(generator.GetType().Name, null, null);

    /// <summary>The text embedded for a metric: its name as words, display name and synonyms, then the description.</summary>
    public static string SearchText(MetricDefinition metric) =>
        string.Join(". ", new[] { CatalogText.NameAsWords(metric.Name), metric.DisplayName }.Concat(metric.Synonyms))
        + ". " + metric.Description;

    /// <summary>pgvector's text form: <c>[0.1,0.2,…]</c>.</summary>
    public static string ToVectorLiteral(ReadOnlySpan<float> vector)
    {
        var parts = new string[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            parts[i] = vector[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(',', parts) + "]";
    }
}
