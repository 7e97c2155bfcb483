using System.Net.Http.Headers;
using System.Text;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>
/// How requests to Jira authenticate: an API token with the account's email (Cloud, basic), a personal access token
/// (Data Center, bearer), or nothing. The secret stays inside; <see cref="ToString"/> never shows it.
/// </summary>
public sealed class JiraCredentials
{
    private readonly AuthenticationHeaderValue? _header;

    private JiraCredentials(AuthenticationHeaderValue? header, string description)
    {
        _header = header;
        Description = description;
    }

    public static JiraCredentials None { get; } = new(null, "no credentials");

    /// <summary>What kind of credentials these are, safe to print (no secret).</summary>
    public string Description { get; }

    public static JiraCredentials ApiToken(string email, string token) =>
        new(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{token}"))),
            $"API token of {email}");

    public static JiraCredentials PersonalAccessToken(string token) =>
        new(new AuthenticationHeaderValue("Bearer", token), "personal access token");

    /// <summary>
    /// Credentials from files (command line) first, then from configuration: <c>Jira:Email</c> with <c>Jira:ApiToken</c>
    /// or <c>Jira:ApiTokenFile</c>, or <c>Jira:PersonalAccessToken</c> / <c>Jira:PersonalAccessTokenFile</c>.
    /// </summary>
    public static JiraCredentials Resolve(string? email, string? tokenFile, string? patFile, JiraOptions options)
    {
        if (patFile is not null)
        {
            return PersonalAccessToken(ReadSecret(patFile, "personal access token"));
        }

        if (tokenFile is not null)
        {
            return ApiToken(RequireEmail(email ?? options.Email), ReadSecret(tokenFile, "API token"));
        }

        if (options.PersonalAccessTokenFile is { Length: > 0 } configuredPatFile)
        {
            return PersonalAccessToken(ReadSecret(configuredPatFile, "personal access token"));
        }

        if (options.PersonalAccessToken is { Length: > 0 } pat)
        {
            return PersonalAccessToken(pat.Trim());
        }

        if (options.ApiTokenFile is { Length: > 0 } configuredTokenFile)
        {
            return ApiToken(RequireEmail(email ?? options.Email), ReadSecret(configuredTokenFile, "API token"));
        }

        if (options.ApiToken is { Length: > 0 } token)
        {
            return ApiToken(RequireEmail(email ?? options.Email), token.Trim());
        }

        return None;
    }

    internal void Apply(HttpRequestMessage request)
    {
        if (_header is not null)
        {
            request.Headers.Authorization = _header;
        }
    }

    public override string ToString() => Description;

    private static string RequireEmail(string? email) =>
        string.IsNullOrWhiteSpace(email)
            ? throw new UserErrorException("an API token needs the account's email: give --email or set Jira:Email")
            : email.Trim();

    private static string ReadSecret(string path, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserErrorException($"cannot read the {what} file '{path}': {e.Message}");
        }

        return text.Length == 0 ? throw new UserErrorException($"the {what} file '{path}' is empty") : text;
    }
}
