using System.Text;
using Microsoft.Extensions.AI;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// The default embedder: no network, no model files. Features from <see cref="LocalTextAnalyzer"/> (stems, lexicon
/// concepts, bigrams, character n-grams) are hashed (FNV-1a, signed) into <see cref="Dimensions"/> buckets with damped
/// term frequency and L2-normalised, so cosine similarity measures shared vocabulary. Good enough that paraphrases
/// find their metric; an OpenAI-compatible endpoint can replace it by configuration.
/// </summary>
public sealed class LocalHashEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "local-hash-ngram";
    /// <summary>The features' version: the vocabulary's <c>hash_embedder_version</c> (bumped whenever its search words change).</summary>
    public static string ModelId => SpiralAnalytics.Core.Translation.DomainVocabulary.Default.HashEmbedderVersion;
    public const int Dimensions = CatalogEmbeddings.Dimensions;

    /// <summary>Stored with every embedding; change <see cref="ModelId"/> whenever the features change.</summary>
    public static string Id => CatalogEmbeddings.IdentityOf(ProviderName, ModelId, Dimensions);

    private static readonly Lazy<EmbeddingGeneratorMetadata> Metadata = new(() => new(ProviderName, null, ModelId, Dimensions));

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(
            values.Select(v => new Embedding<float>(Embed(v)) { ModelId = ModelId }));
        return Task.FromResult(embeddings);
    }

    public static float[] Embed(string text)
    {
        var vector = new double[Dimensions];
        foreach (var (feature, raw) in LocalTextAnalyzer.Features(text))
        {
            var weight = raw > 1 ? 1 + 0.5 * Math.Log(raw) : raw;
            var hash = Fnv1a(feature);
            var sign = ((hash >> 32) & 1) == 1 ? -1.0 : 1.0;
            vector[(int)(hash % Dimensions)] += sign * weight;
        }

        var norm = Math.Sqrt(vector.Sum(x => x * x));
        return vector.Select(x => (float)(norm > 0 ? x / norm : 0)).ToArray();
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 0x100000001b3UL;
        }

        return hash;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata.Value
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
