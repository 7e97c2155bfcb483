using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>
/// Section <c>Translator:Llm</c>. Without an <see cref="Endpoint"/> the offline translator answers alone. With one, questions
/// go to the model behind any OpenAI-compatible chat completions API (OpenAI <c>https://api.openai.com/v1</c>, Azure
/// OpenAI <c>https://RESOURCE.openai.azure.com/openai/v1</c>, Ollama <c>http://localhost:11434/v1</c>, vLLM, llama.cpp
/// server) and the offline translator answers whenever the model cannot (timeout, failure, an invalid answer).
/// </summary>
public sealed class LlmTranslatorOptions : IValidatableObject
{
    public const string Section = "Translator:Llm";

    /// <summary>Base URL of the API (the one that <c>/chat/completions</c> is appended to).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model (deployment) name: <c>gpt-4o-mini</c>, <c>llama3.1:8b</c>, ….</summary>
    public string? Model { get; set; }

    /// <summary>Sent as a bearer token; local servers usually need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The budget for the model's whole answer, repair round included; past it the offline translator answers.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 20;

    /// <summary>How many of the catalog search's candidates the prompt describes.</summary>
    [Range(1, 50)]
    public int MaxCandidates { get; set; } = 8;

    /// <summary>How many members of a large dimension (people, sprints, epics) the prompt lists.</summary>
    [Range(1, 1000)]
    public int MaxValuesPerDimension { get; set; } = 40;

    /// <summary>Ask for <c>response_format: json_object</c>; turn off for a server that rejects it.</summary>
    public bool JsonMode { get; set; } = true;

    [Range(0.0, 2.0)]
    public double Temperature { get; set; }

    [Range(64, 16384)]
    public int MaxTokens { get; set; } = 1024;

    public bool IsConfigured => Endpoint is not null;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is null)
        {
            yield break;
        }

        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult(
                $"{Section}:Endpoint must be an absolute http(s) URL such as http://localhost:11434/v1, not '{Endpoint.OriginalString}'", [nameof(Endpoint)]);
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult($"{Section}:Model is required when {Section}:Endpoint is set", [nameof(Model)]);
        }
    }
}
