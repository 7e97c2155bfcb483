using System.Text.Json;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Infrastructure.Translation;

/// <summary>The model's answer read: an outcome the translator may return, or the typed errors that reject it.</summary>
public sealed record LlmAnswer(TranslationOutcome? Outcome, IReadOnlyList<SpecError> Errors)
{
    public bool IsValid => Outcome is not null;
}

/// <summary>
/// Reads what the model answered. A spec must parse (<see cref="SpecJson.Parse"/>: unknown keys such as <c>sql</c> are
/// errors) and pass <see cref="SpecValidator"/> against the context's catalog and tenant values; its filter values come
/// back in their canonical spelling. A clarification must give a reason and 2–4 options with a label and a question.
/// Nothing else is accepted, so only a validated spec ever leaves the LLM translator.
/// </summary>
public static class LlmAnswerReader
{
    /// <summary>A model's valid spec is not calibrated: it counts as likely, not certain (the offline translator's threshold is 0.6).</summary>
    public const double ModelConfidence = 0.8;

    public const int MinClarificationOptions = 2;
    public const int MaxClarificationOptions = 4;
    public const int MaxClarificationText = 300;

    public static LlmAnswer Read(string? answer, TranslationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = Unwrap(answer ?? "");
        if (json.Length == 0)
        {
            return Rejected(new SpecError("spec", null, "the answer is empty: answer with one JSON object") { Rule = "json" });
        }

        if (IsClarification(json))
        {
            return ReadClarification(json);
        }

        var parsed = SpecJson.Parse(json);
        if (!parsed.IsValid)
        {
            return new LlmAnswer(null, parsed.Errors);
        }

        var errors = new SpecValidator(context.Catalog, context.Values).Errors(parsed.Spec!);
        return errors.Count > 0
            ? new LlmAnswer(null, errors)
            : new LlmAnswer(TranslationOutcome.Of(context.Values.Canonicalize(parsed.Spec!), TranslatorNames.Llm, null, ModelConfidence,
                [new TranslationEvidence(EvidenceParts.Metric, "", string.Join(", ", parsed.Spec!.Metrics), "model", ModelConfidence)]), []);
    }

    /// <summary>The JSON object of an answer that a model wrapped in a code fence or in a sentence.</summary>
    internal static string Unwrap(string answer)
    {
        var text = answer.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
            text = firstLine < 0 ? "" : text[(firstLine + 1)..];
            var fence = text.LastIndexOf("```", StringComparison.Ordinal);
            text = (fence < 0 ? text : text[..fence]).Trim();
        }

        if (!text.StartsWith('{'))
        {
            var start = text.IndexOf('{', StringComparison.Ordinal);
            var end = text.LastIndexOf('}');
            if (start >= 0 && end > start)
            {
                text = text[start..(end + 1)];
            }
        }

        return text;
    }

    private static bool IsClarification(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("clarification", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static LlmAnswer ReadClarification(string json)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<SpecError>();
        var root = document.RootElement;
        foreach (var property in root.EnumerateObject().Where(p => p.Name != "clarification"))
        {
            errors.Add(new SpecError(property.Name, property.Name, $"unknown field '{property.Name}': a clarification is the only key of its object",
                ["clarification"], []) { Rule = "unknown_field" });
        }

        var clarification = root.GetProperty("clarification");
        if (clarification.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SpecError("clarification", null, "must be an object with \"reason\" and \"options\"") { Rule = "clarification" });
            return new LlmAnswer(null, errors);
        }

        var reason = Text(clarification, "reason", "clarification.reason", errors);
        var options = new List<ClarificationOption>();
        if (!clarification.TryGetProperty("options", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SpecError("clarification.options", null, $"is required: a list of {MinClarificationOptions} to {MaxClarificationOptions} {{\"label\", \"question\"}} objects") { Rule = "clarification" });
        }
        else
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var path = $"clarification.options[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new SpecError(path, null, "must be an object with \"label\" and \"question\"") { Rule = "clarification" });
                    continue;
                }

                var label = Text(item, "label", $"{path}.label", errors);
                var question = Text(item, "question", $"{path}.question", errors);
                if (label is not null && question is not null)
                {
                    options.Add(new ClarificationOption(label, question));
                }
            }

            if (i is < MinClarificationOptions or > MaxClarificationOptions)
            {
                errors.Add(new SpecError("clarification.options", i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"must hold {MinClarificationOptions} to {MaxClarificationOptions} options, not {i}") { Rule = "clarification" });
            }
        }

        return errors.Count > 0 || reason is null
            ? new LlmAnswer(null, errors)
            : new LlmAnswer(TranslationOutcome.Ask(new Clarification(reason, options), TranslatorNames.Llm), []);
    }

    private static string? Text(JsonElement e, string field, string path, List<SpecError> errors)
    {
        if (!e.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors.Add(new SpecError(path, null, "is required: a non-empty string") { Rule = "clarification" });
            return null;
        }

        var text = value.GetString()!.Trim();
        if (text.Length > MaxClarificationText)
        {
            errors.Add(new SpecError(path, text[..40] + "…", $"is too long: at most {MaxClarificationText} characters") { Rule = "clarification" });
            return null;
        }

        return text;
    }

    private static LlmAnswer Rejected(SpecError error) => new(null, [error]);
}
