using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>
/// The model-backed translator: Semantic Kernel's OpenAI chat completion against the configured endpoint. The answer is
/// read by <see cref="LlmAnswerReader"/> (parsed, validated against the catalog and the tenant's values); a rejected answer
/// gets exactly one repair round with the typed errors. On timeout, failure, or a second invalid answer the
/// <paramref name="fallback"/> (offline) translator answers and the outcome says why. Only a validated spec or a
/// clarification leaves this class: the model's text never reaches SQL.
/// </summary>
public sealed class SemanticKernelTranslator : IContextTranslator, IDisposable
{
    private const int MaxReasonLength = 160;

    private readonly LlmTranslatorOptions _options;
    private readonly IContextTranslator _fallback;
    private readonly ILogger<SemanticKernelTranslator> _logger;
    private readonly LlmPromptBuilder _prompts;
    private readonly HttpClient _http;
    private readonly IChatCompletionService _chat;
    private readonly Kernel _kernel;

    public SemanticKernelTranslator(IOptions<LlmTranslatorOptions> options, IContextTranslator fallback, ILogger<SemanticKernelTranslator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        if (!_options.IsConfigured || string.IsNullOrWhiteSpace(_options.Model))
        {
            throw new InvalidOperationException($"{LlmTranslatorOptions.Section}:Endpoint and :Model must be set for the LLM translator");
        }

        _fallback = fallback;
        _logger = logger;
        _prompts = new LlmPromptBuilder(_options.MaxCandidates, _options.MaxValuesPerDimension);
        // The connector turns off its own retries and timeout when given a client: the budget below is the only one.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = _options.Timeout };
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion(_options.Model, _options.Endpoint!, string.IsNullOrEmpty(_options.ApiKey) ? null : _options.ApiKey, httpClient: _http);
        _kernel = builder.Build();
        _chat = _kernel.GetRequiredService<IChatCompletionService>();
    }

    public async ValueTask<TranslationOutcome> TranslateAsync(TranslationRequest request, TranslationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var prompt = _prompts.Build(request, context);
        var history = new ChatHistory(prompt.System);
        history.AddUserMessage(prompt.User);

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_options.Timeout);
        string reason;
        try
        {
            var first = await AskAsync(history, budget.Token);
            var answer = LlmAnswerReader.Read(first, context);
            if (answer.IsValid)
            {
                Log.LlmAnswered(_logger, _options.Model!, 1, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return answer.Outcome!;
            }

            Log.LlmRepairing(_logger, answer.Errors.Count, answer.Errors[0].ToString());
            history.AddAssistantMessage(first);
            history.AddUserMessage(LlmPromptBuilder.Repair(answer.Errors));
            var second = await AskAsync(history, budget.Token);
            var repaired = LlmAnswerReader.Read(second, context);
            if (repaired.IsValid)
            {
                Log.LlmAnswered(_logger, _options.Model!, 2, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return repaired.Outcome!;
            }

            reason = $"llm answer still invalid after one repair round ({Shorten(repaired.Errors[0].ToString())})";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            reason = $"llm timed out after {_options.TimeoutSeconds} s";
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OperationCanceledException)
        {
            // Whatever the server or the connector did (HTTP errors, refused connections, a body that is not a completion),
            // the question still gets the offline answer.
            reason = $"llm failed ({Describe(e)})";
        }

        Log.LlmFallback(_logger, reason, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var offline = await _fallback.TranslateAsync(request, context, ct);
        return offline with { Translator = TranslatorNames.Offline, Notes = [$"{reason}; offline translator answered", .. offline.Notes] };
    }

    private async Task<string> AskAsync(ChatHistory history, CancellationToken ct)
    {
        var settings = new OpenAIPromptExecutionSettings
        {
            Temperature = _options.Temperature,
            MaxTokens = _options.MaxTokens,
            ResponseFormat = _options.JsonMode ? "json_object" : null,
        };
        var message = await _chat.GetChatMessageContentAsync(history, settings, _kernel, ct);
        return message.Content ?? "";
    }

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException { StatusCode: { } status } => $"HTTP {(int)status} {status}",
        System.ClientModel.ClientResultException { Status: > 0 } r => $"HTTP {r.Status}",
        System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException or FormatException =>
            $"the response is not a chat completion: {Shorten(e.Message)}",
        _ => Shorten(e.GetBaseException().Message),
    };

    private static string Shorten(string text) => text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";

    public void Dispose() => _http.Dispose();
}
