namespace SpiralAnalytics.Core.Errors;

/// <summary>
/// A request that cannot be carried out because of what was asked (bad input, unknown name).
/// The CLI exits with 1 and the API answers 4xx; the message says what and where.
/// </summary>
public class UserErrorException(string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public IReadOnlyList<string> Details { get; } = details ?? [];
}

/// <summary>A name that does not exist (tenant, metric, job).</summary>
public sealed class NotFoundException(string message) : UserErrorException(message);
