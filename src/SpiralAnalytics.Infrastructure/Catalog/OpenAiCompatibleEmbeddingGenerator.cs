using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Embeddings from any OpenAI-compatible endpoint (<c>POST {endpoint}/embeddings</c>), asked for the catalog's
/// <see cref="CatalogEmbeddings.Dimensions"/> dimensions; a response of another width is refused rather than stored.
/// Owns (and disposes) the <see cref="HttpClient"/> it is given.
/// </summary>
public sealed class OpenAiCompatibleEmbeddingGenerator(HttpClient http, EmbeddingOptions options) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "openai-compatible";

    private readonly EmbeddingGeneratorMetadata _metadata = new(ProviderName, options.Endpoint, options.Model, CatalogEmbeddings.Dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? generationOptions = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        var endpoint = new Uri(options.Endpoint!.ToString().TrimEnd('/') + "/embeddings");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = JsonContent.Create(new EmbeddingRequest(options.Model, inputs, CatalogEmbeddings.Dimensions), EmbeddingJsonContext.Default.EmbeddingRequest),
        };
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"embedding endpoint {endpoint} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}", null, response.StatusCode);
        }

        var result = await response.Content.ReadFromJsonAsync(EmbeddingJsonContext.Default.EmbeddingResponse, cancellationToken)
                     ?? throw new HttpRequestException($"embedding endpoint {endpoint} returned no body");
        var ordered = result.Data.OrderBy(d => d.Index).ToList();
        if (ordered.Count != inputs.Count)
        {
            throw new HttpRequestException($"embedding endpoint {endpoint} returned {ordered.Count} embeddings for {inputs.Count} inputs");
        }

        if (ordered.FirstOrDefault(d => d.Embedding.Length != CatalogEmbeddings.Dimensions) is { } wrong)
        {
            throw new HttpRequestException(
                $"embedding endpoint {endpoint} returned {wrong.Embedding.Length} dimensions; the catalog stores {CatalogEmbeddings.Dimensions} " +
                "(use a model that accepts the 'dimensions' parameter, e.g. text-embedding-3-small)");
        }

        return new GeneratedEmbeddings<Embedding<float>>(ordered.Select(d => new Embedding<float>(Normalize(d.Embedding)) { ModelId = options.Model }));
    }

    private static float[] Normalize(float[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(x => (double)x * x));
        return norm > 0 ? vector.Select(x => (float)(x / norm)).ToArray() : vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() => http.Dispose();
}

internal sealed record EmbeddingRequest(string Model, IReadOnlyList<string> Input, int Dimensions);

internal sealed record EmbeddingResponse(IReadOnlyList<EmbeddingData> Data);

internal sealed record EmbeddingData(int Index, float[] Embedding);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(EmbeddingResponse))]
internal sealed partial class EmbeddingJsonContext : JsonSerializerContext;
