using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// Why a spec was rejected: the field (<c>metrics[0]</c>, <c>filters[1].values[0]</c>, <c>time.n</c>), the offending value,
/// a message that says what is wrong, what is allowed and the nearest allowed values. The CLI prints <see cref="ToString"/>,
/// the API returns the objects, the translator feeds them back to the LLM for repair.
/// </summary>
public sealed record SpecError(string Path, string? Value, string Message, IReadOnlyList<string> Allowed, IReadOnlyList<string> Suggestions)
{
    public SpecError(string path, string? value, string message)
        : this(path, value, message, [], [])
    {
    }

    /// <summary>A short code for tests and clients: the rule that rejected the spec.</summary>
    public string Rule { get; init; } = "";

    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A spec that could not be accepted; <see cref="UserErrorException.Details"/> holds one line per error.</summary>
public sealed class SpecValidationException(IReadOnlyList<SpecError> errors)
    : UserErrorException($"the spec is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")})", errors.Select(e => e.ToString()).ToList())
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
