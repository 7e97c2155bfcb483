namespace SpiralAnalytics.Core.Errors;

/// <summary>
/// A service the request needs (Jira, an LLM endpoint) cannot be reached or keeps failing.
/// The CLI exits with 3 and the API answers 503; the message names the service and what to check.
/// </summary>
public sealed class ServiceUnavailableException(string service, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Service { get; } = service;
}
