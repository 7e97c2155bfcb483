using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>What a sync has fetched so far, reported after each page.</summary>
public sealed record JiraSyncProgress(string Stage, int Pages, int Items, int? Total);

/// <summary>
/// Creates <see cref="JiraClient"/>s for a site and credentials; one connection pool for all of them.
/// Plain <see cref="SocketsHttpHandler"/>: nothing logs requests' headers, so credentials cannot reach a log.
/// </summary>
public sealed class JiraClientFactory(ILogger<JiraClient> logger) : IDisposable
{
    private readonly SocketsHttpHandler _handler = new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        AutomaticDecompression = DecompressionMethods.All,
    };

    public JiraClient Create(Uri site, JiraCredentials credentials, JiraOptions options) =>
        new(new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }, site, credentials, options, logger);

    public void Dispose() => _handler.Dispose();
}

/// <summary>
/// Jira's REST API as the sync needs it: paged reads, <c>429</c> with <c>Retry-After</c>, retries with exponential backoff
/// on transient failures, and failures turned into messages that say what to check.
/// </summary>
public sealed class JiraClient(HttpClient http, Uri site, JiraCredentials credentials, JiraOptions options, ILogger<JiraClient> logger) : IDisposable
{
    public Uri Site { get; } = site;

    /// <summary>A site URL as the sync keys it: absolute http(s), no credentials in it, ending in '/'.</summary>
    public static Uri NormalizeSite(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new UserErrorException($"'{url}' is not a Jira URL: give the site, e.g. https://example.atlassian.net");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new UserErrorException("the Jira URL must not carry credentials: use --email with --token-file, or --pat-file");
        }

        var text = uri.GetLeftPart(UriPartial.Path);
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public async Task<JiraBoard> GetBoardAsync(long boardId, CancellationToken ct)
    {
        using var document = await GetAsync($"rest/agile/1.0/board/{boardId}", ct,
            notFound: $"board {boardId} not found at {Site} (or not visible to these credentials)");
        var root = document!.RootElement;
        var location = root.Prop("location");
        return new JiraBoard(boardId, root.Str("name") ?? $"Jira board {boardId}", root.Str("type"),
            location?.Str("projectKey"));
    }

    /// <summary>Every field of the site, or null when the site does not list them (then configuration names them).</summary>
    public async Task<IReadOnlyList<(JiraField Field, string? SchemaCustom)>?> GetFieldsAsync(CancellationToken ct)
    {
        using var document = await GetAsync($"rest/api/{options.ApiVersion}/field", ct, notFound: null);
        if (document is null)
        {
            return null;
        }

        return [.. document.RootElement.EnumerateArray()
            .Where(f => f.Str("id") is not null && f.Str("name") is not null)
            .Select(f => (new JiraField(f.Str("id")!, f.Str("name")!), f.Prop("schema")?.Str("custom")))];
    }

    public async Task<IReadOnlyList<JiraStatus>> GetStatusesAsync(CancellationToken ct)
    {
        using var document = await GetAsync($"rest/api/{options.ApiVersion}/status", ct, notFound: "Jira's status list was not found");
        return [.. document!.RootElement.EnumerateArray()
            .Where(s => s.Str("id") is not null)
            .Select(JiraStatus.FromJson)];
    }

    public async Task<IReadOnlyList<JiraSprint>> GetSprintsAsync(long boardId, IProgress<JiraSyncProgress>? progress, CancellationToken ct)
    {
        var sprints = new List<JiraSprint>();
        var pages = 0;
        while (true)
        {
            using var document = await GetAsync(
                $"rest/agile/1.0/board/{boardId}/sprint?startAt={sprints.Count}&maxResults={options.PageSize}", ct,
                notFound: $"board {boardId} not found at {Site} (or not visible to these credentials)");
            var root = document!.RootElement;
            var values = root.Items("values").ToList();
            sprints.AddRange(values.Select(JiraSprint.FromJson));
            progress?.Report(new JiraSyncProgress("sprints", ++pages, sprints.Count, null));
            if (values.Count == 0 || root.Prop("isLast") is { ValueKind: JsonValueKind.True } || root.Prop("isLast") is null && values.Count < options.PageSize)
            {
                return sprints;
            }
        }
    }

    /// <summary>The board's issues matching <paramref name="jql"/> with changelogs; truncated changelogs are completed.</summary>
    public async Task<IReadOnlyList<JiraIssue>> GetBoardIssuesAsync(
        long boardId, string? jql, string fields, IProgress<JiraSyncProgress>? progress, CancellationToken ct)
    {
        var issues = new List<JiraIssue>();
        var pages = 0;
        var startAt = 0;
        var query = $"expand=changelog&fields={Uri.EscapeDataString(fields)}" + (jql is null ? "" : $"&jql={Uri.EscapeDataString(jql)}");
        while (true)
        {
            JsonElement root;
            using (var document = await GetAsync(
                $"rest/agile/1.0/board/{boardId}/issue?{query}&startAt={startAt}&maxResults={options.PageSize}", ct,
                notFound: $"board {boardId} not found at {Site} (or not visible to these credentials)"))
            {
                root = document!.RootElement.Clone();
            }

            var page = root.Items("issues").ToList();
            foreach (var issue in page)
            {
                issues.Add(new JiraIssue(issue, await HistoriesAsync(issue, ct)));
            }

            startAt += page.Count;
            var total = root.Prop("total") is { ValueKind: JsonValueKind.Number } t ? t.GetInt32() : (int?)null;
            progress?.Report(new JiraSyncProgress("issues", ++pages, issues.Count, total));
            var last = root.Prop("isLast") is { ValueKind: JsonValueKind.True }
                || (total is { } all ? startAt >= all : page.Count < options.PageSize);
            if (page.Count == 0 || last)
            {
                return issues;
            }
        }
    }

    /// <summary>The issue's changelog: the embedded one when complete, else every page of <c>api/N/issue/{id}/changelog</c>.</summary>
    private async Task<IReadOnlyList<JsonElement>> HistoriesAsync(JsonElement issue, CancellationToken ct)
    {
        var embedded = issue.Prop("changelog");
        var histories = embedded?.Items("histories").ToList() ?? [];
        var total = embedded?.Prop("total") is { ValueKind: JsonValueKind.Number } t ? t.GetInt32() : histories.Count;
        if (histories.Count >= total)
        {
            return histories;
        }

        var id = issue.Str("id")!;
        Log.JiraChangelogTruncated(logger, issue.Str("key") ?? id, histories.Count, total);
        var all = new List<JsonElement>();
        while (true)
        {
            using var document = await GetAsync(
                $"rest/api/{options.ApiVersion}/issue/{id}/changelog?startAt={all.Count}&maxResults={options.PageSize}", ct,
                notFound: $"the changelog of issue {issue.Str("key") ?? id} was not found");
            var root = document!.RootElement;
            var values = root.Items("values").Select(v => v.Clone()).ToList();
            all.AddRange(values);
            var pageTotal = root.Prop("total") is { ValueKind: JsonValueKind.Number } pt ? pt.GetInt32() : (int?)null;
            if (values.Count == 0 || root.Prop("isLast") is { ValueKind: JsonValueKind.True }
                || (pageTotal is { } n && all.Count >= n) || (pageTotal is null && root.Prop("isLast") is null && values.Count < options.PageSize))
            {
                return all;
            }
        }
    }

    /// <summary>
    /// GETs a JSON document with retries. <paramref name="notFound"/> is the message for a 404; null means a 404 returns null.
    /// </summary>
    private async Task<JsonDocument?> GetAsync(string path, CancellationToken ct, string? notFound)
    {
        var uri = new Uri(Site, path);
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.RequestTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                credentials.Apply(request);
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                var reason = e is OperationCanceledException ? $"no answer within {options.RequestTimeout.TotalSeconds:0} s" : Describe(e);
                if (attempt < options.MaxRetries)
                {
                    var delay = Backoff(attempt);
                    Log.JiraRetrying(logger, uri.AbsolutePath, reason, attempt + 1, options.MaxRetries, (long)delay.TotalMilliseconds);
                    await Task.Delay(delay, ct);
                    continue;
                }

                throw new ServiceUnavailableException("Jira",
                    $"Jira is unreachable at {Site}: {reason} (after {attempt + 1} attempt{(attempt == 0 ? "" : "s")})", e);
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                    try
                    {
                        return await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
                    }
                    catch (JsonException e)
                    {
                        throw new ServiceUnavailableException("Jira", $"Jira at {Site} answered {uri.AbsolutePath} with something that is not JSON: {e.Message}", e);
                    }
                }

                if (status is 401 or 403)
                {
                    throw new UserErrorException(
                        $"Jira refused the credentials ({status} {response.ReasonPhrase}) at {Site}: " +
                        $"{credentials.Description} {(status == 401 ? "were not accepted" : "may not read this")}; " +
                        "check --email with --token-file, or --pat-file (or Jira:Email, Jira:ApiToken, Jira:PersonalAccessToken)",
                        await ErrorMessagesAsync(response, ct));
                }

                if (status == 404)
                {
                    return notFound is null ? null : throw new NotFoundException(notFound);
                }

                var transient = status is 429 or 408 or 500 or 502 or 503 or 504;
                if (transient && attempt < options.MaxRetries)
                {
                    var delay = status == 429 && RetryAfter(response) is { } wait ? wait : Backoff(attempt);
                    Log.JiraRetrying(logger, uri.AbsolutePath, $"{status} {response.ReasonPhrase}", attempt + 1, options.MaxRetries, (long)delay.TotalMilliseconds);
                    await Task.Delay(delay, ct);
                    continue;
                }

                if (transient)
                {
                    throw new ServiceUnavailableException("Jira",
                        $"Jira at {Site} kept failing: {status} {response.ReasonPhrase} for {uri.AbsolutePath} after {attempt + 1} attempts");
                }

                throw new UserErrorException(
                    $"Jira at {Site} refused {uri.AbsolutePath}: {status} {response.ReasonPhrase}", await ErrorMessagesAsync(response, ct));
            }
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is not { } value)
        {
            return null;
        }

        return value < TimeSpan.Zero ? TimeSpan.Zero : value > options.MaxRetryAfter ? options.MaxRetryAfter : value;
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 10));
        var capped = Math.Min(exponential, TimeSpan.FromSeconds(60).TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.75 + (Random.Shared.NextDouble() / 2)));
    }

    private static string Describe(Exception e) =>
        e.InnerException is SocketException socket ? $"{socket.SocketErrorCode} ({e.Message})" : e.Message;

    /// <summary>Jira's own explanation (<c>errorMessages</c>, <c>errors</c>), at most a few lines.</summary>
    private static async Task<IReadOnlyList<string>> ErrorMessagesAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return [.. root.Items("errorMessages").Select(m => m.GetString() ?? "")
                .Concat(root.Prop("errors") is { ValueKind: JsonValueKind.Object } errors
                    ? errors.EnumerateObject().Select(p => $"{p.Name}: {p.Value}")
                    : [])
                .Where(m => m.Length > 0).Take(5)];
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            return [];
        }
    }

    public void Dispose() => http.Dispose();
}
