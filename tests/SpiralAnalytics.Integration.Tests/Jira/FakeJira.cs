using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Jira;

/// <summary>
/// A local Jira Cloud that serves the recorded responses in ../shared/datasets/jira-cloud-rest for board 8: paged the way
/// Jira pages (it caps <c>maxResults</c> itself), honouring <c>updated &gt;= "…"</c> JQL, with one truncated embedded
/// changelog that must be read from <c>api/N/issue/{id}/changelog</c>, and switches for 429, 401/403, 5xx and being down.
/// </summary>
public sealed partial class FakeJira : IAsyncDisposable
{
    public const long Board = 8;
    public const string Email = "dev@example.com";
    public const string Token = "s3cret-api-token-4711";

    private readonly JsonArray _sprints;
    private readonly JsonArray _issues;
    private readonly JsonArray _statuses;
    private readonly Dictionary<string, JsonArray> _recordedChangelogs;
    private WebApplication? _app;
    private int _rateLimited;

    private FakeJira()
    {
        _sprints = Recordings.Sprints()["values"]!.AsArray();
        _issues = Recordings.Issues()["issues"]!.AsArray();
        _statuses = Recordings.Statuses();
        _recordedChangelogs = Recordings.ChangelogIds.ToDictionary(id => id, id => Recordings.Changelog(id)["values"]!.AsArray());
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Every request served: path and query.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public int SprintPageSize { get; set; } = 12;

    public int IssuePageSize { get; set; } = 7;

    public int ChangelogPageSize { get; set; } = 10;

    /// <summary>The issue whose embedded changelog is cut to <see cref="EmbeddedHistories"/> entries, as Jira does past its limit.</summary>
    public string TruncatedChangelogOf { get; set; } = "EE-17";

    public int EmbeddedHistories { get; set; } = 10;

    /// <summary>Answer the first request for the second page of issues with 429 and <c>Retry-After: 1</c>.</summary>
    public bool RateLimitOnce { get; set; }

    public int RateLimitedCount => _rateLimited;

    /// <summary>Serve <c>api/N/field</c> (otherwise 404, and configuration must name the fields).</summary>
    public bool ServeFields { get; set; } = true;

    /// <summary>Answer every request with this status (401, 403, 500 …) instead of data.</summary>
    public int? AnswerAllWith { get; set; }

    /// <summary>Answer issue pages from this <c>startAt</c> on with 500: a sync that fails half-way.</summary>
    public int? FailIssuesFrom { get; set; }

    public static async Task<FakeJira> StartAsync(Action<FakeJira>? configure = null)
    {
        var fake = new FakeJira();
        configure?.Invoke(fake);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        fake._app = builder.Build();
        fake._app.Run(fake.HandleAsync);
        await fake._app.StartAsync(TestContext.Current.CancellationToken);
        fake.Url = new Uri(fake._app.Urls.Single());
        return fake;
    }

    /// <summary>Shuts the server down: the port refuses connections from now on.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(TestContext.Current.CancellationToken);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public JsonObject Issue(string key) => _issues.Select(i => i!.AsObject()).Single(i => (string?)i["key"] == key);

    /// <summary>Changes an issue as a Jira user would: its fields, a changelog entry for the change, and <c>updated</c> = now.</summary>
    public DateTimeOffset Touch(string key, Action<JsonObject> change, params JsonObject[] items)
    {
        var issue = Issue(key);
        var fields = issue["fields"]!.AsObject();
        change(fields);
        var now = DateTimeOffset.UtcNow;
        var stamp = now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
        fields["updated"] = stamp;
        if (items.Length > 0)
        {
            var changelog = issue["changelog"]!.AsObject();
            var histories = changelog["histories"]!.AsArray();
            histories.Insert(0, new JsonObject
            {
                ["id"] = (9_000_000 + histories.Count).ToString(CultureInfo.InvariantCulture),
                ["created"] = stamp,
                ["items"] = new JsonArray([.. items]),
            });
            changelog["total"] = histories.Count;
            changelog["maxResults"] = histories.Count;
        }

        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(request.Path + request.QueryString);
        if (AnswerAllWith is { } status)
        {
            await ErrorAsync(context, status, $"answering {status} as told");
            return;
        }

        if (request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Email}:{Token}")))
        {
            await ErrorAsync(context, 401, "Client must be authenticated to access this resource.");
            return;
        }

        var path = request.Path.Value!;
        int Query(string name, int fallback) => int.TryParse(request.Query[name], out var v) ? v : fallback;
        if (BoardPath().Match(path) is { Success: true } board)
        {
            if (long.Parse(board.Groups[1].Value, CultureInfo.InvariantCulture) != Board)
            {
                await ErrorAsync(context, 404, "Board does not exist or you do not have permission to see it.");
                return;
            }

            switch (board.Groups[2].Value)
            {
                case "":
                    await JsonAsync(context, new JsonObject
                    {
                        ["id"] = Board, ["name"] = "EE board", ["type"] = "scrum",
                        ["location"] = new JsonObject { ["projectKey"] = "EE", ["projectName"] = "EE" },
                    });
                    return;
                case "/sprint":
                {
                    var startAt = Query("startAt", 0);
                    var max = Math.Min(Query("maxResults", 50), SprintPageSize);
                    var page = _sprints.Skip(startAt).Take(max).Select(s => s!.DeepClone()).ToArray();
                    await JsonAsync(context, new JsonObject
                    {
                        ["maxResults"] = max, ["startAt"] = startAt, ["isLast"] = startAt + page.Length >= _sprints.Count,
                        ["values"] = new JsonArray(page),
                    });
                    return;
                }

                case "/issue":
                    await IssuesAsync(context, Query("startAt", 0), Query("maxResults", 50));
                    return;
            }
        }

        if (ApiPath().Match(path) is { Success: true } api)
        {
            switch (api.Groups[1].Value)
            {
                case "status":
                    await JsonAsync(context, _statuses.DeepClone());
                    return;
                case "field" when ServeFields:
                    await JsonAsync(context, Fields());
                    return;
                case var changelog when ChangelogPath().Match(changelog) is { Success: true } m:
                    await ChangelogAsync(context, m.Groups[1].Value, Query("startAt", 0), Query("maxResults", 100));
                    return;
            }
        }

        await ErrorAsync(context, 404, $"no such resource: {path}");
    }

    private async Task IssuesAsync(HttpContext context, int startAt, int maxResults)
    {
        if (FailIssuesFrom is { } failFrom && startAt >= failFrom)
        {
            await ErrorAsync(context, 500, "Internal server error");
            return;
        }

        if (RateLimitOnce && startAt > 0 && Interlocked.CompareExchange(ref _rateLimited, 1, 0) == 0)
        {
            context.Response.Headers.RetryAfter = "1";
            await ErrorAsync(context, 429, "Rate limit exceeded.");
            return;
        }

        var jql = context.Request.Query["jql"].ToString();
        DateTimeOffset? since = null;
        if (jql.Length > 0)
        {
            if (UpdatedSince().Match(jql) is not { Success: true } match)
            {
                await ErrorAsync(context, 400, $"The fake understands only updated >= \"yyyy-MM-dd HH:mm\", not: {jql}");
                return;
            }

            since = DateTimeOffset.ParseExact(match.Groups[1].Value, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        var matching = _issues.Select(i => i!.AsObject())
            .Where(i => since is null || DateTimeOffset.Parse((string)i["fields"]!["updated"]!, CultureInfo.InvariantCulture) >= since)
            .ToList();
        var max = Math.Min(maxResults, IssuePageSize);
        var page = matching.Skip(startAt).Take(max).Select(i =>
        {
            var copy = i.DeepClone().AsObject();
            if ((string?)copy["key"] == TruncatedChangelogOf && copy["changelog"] is JsonObject changelog)
            {
                var histories = changelog["histories"]!.AsArray();
                changelog["histories"] = new JsonArray([.. histories.Take(EmbeddedHistories).Select(h => h!.DeepClone())]);
                changelog["maxResults"] = EmbeddedHistories;
                changelog["total"] = histories.Count;
            }

            return (JsonNode)copy;
        }).ToArray();
        await JsonAsync(context, new JsonObject
        {
            ["expand"] = "schema,names", ["startAt"] = startAt, ["maxResults"] = max, ["total"] = matching.Count,
            ["issues"] = new JsonArray(page),
        });
    }

    /// <summary><c>api/N/issue/{id}/changelog</c>: oldest first, paged, for board issues and the recorded changelog files.</summary>
    private async Task ChangelogAsync(HttpContext context, string issueId, int startAt, int maxResults)
    {
        var issue = _issues.Select(i => i!.AsObject()).FirstOrDefault(i => (string?)i["id"] == issueId);
        List<JsonNode> all;
        if (issue is not null)
        {
            all = [.. issue["changelog"]!["histories"]!.AsArray().Select(h => h!.DeepClone())
                .OrderBy(h => DateTimeOffset.Parse((string)h["created"]!, CultureInfo.InvariantCulture))];
        }
        else if (_recordedChangelogs.TryGetValue(issueId, out var recorded))
        {
            all = [.. recorded.Select(h => h!.DeepClone())];
        }
        else
        {
            await ErrorAsync(context, 404, "Issue does not exist or you do not have permission to see it.");
            return;
        }

        var max = Math.Min(maxResults, ChangelogPageSize);
        var page = all.Skip(startAt).Take(max).ToArray();
        await JsonAsync(context, new JsonObject
        {
            ["self"] = $"/rest/api/3/issue/{issueId}/changelog", ["maxResults"] = max, ["startAt"] = startAt, ["total"] = all.Count,
            ["isLast"] = startAt + page.Length >= all.Count, ["values"] = new JsonArray(page),
        });
    }

    /// <summary>A slice of a site's field list (not recorded): the ids the README names, and decoys with similar names.</summary>
    private static JsonArray Fields()
    {
        static JsonObject Field(string id, string name, string? custom) => new()
        {
            ["id"] = id, ["key"] = id, ["name"] = name, ["custom"] = custom is not null,
            ["schema"] = custom is null ? null : new JsonObject { ["type"] = "any", ["custom"] = custom },
        };

        return
        [
            Field("summary", "Summary", null),
            Field("status", "Status", null),
            Field("customfield_10016", "Story point estimate", "com.pyxis.greenhopper.jira:jsw-story-points"),
            Field("customfield_10024", "Story Points", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
            Field("customfield_10020", "Sprint", "com.pyxis.greenhopper.jira:gh-sprint"),
            Field("customfield_10021", "Flagged", "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"),
            Field("customfield_10014", "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link"),
        ];
    }

    private static async Task JsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await JsonAsync(context, new JsonObject { ["errorMessages"] = new JsonArray(message), ["errors"] = new JsonObject() });
    }

    [GeneratedRegex(@"^/rest/agile/1\.0/board/(\d+)(|/sprint|/issue)/?$")]
    private static partial Regex BoardPath();

    [GeneratedRegex(@"^/rest/api/[23]/(.+?)/?$")]
    private static partial Regex ApiPath();

    [GeneratedRegex(@"^issue/(\d+)/changelog$")]
    private static partial Regex ChangelogPath();

    [GeneratedRegex("""^updated\s*>=\s*"(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"$""")]
    private static partial Regex UpdatedSince();
}

/// <summary>The recorded Jira Cloud responses, read once; callers get their own copies.</summary>
public static class Recordings
{
    private static readonly ConcurrentDictionary<string, string> Texts = new();

    public static string Folder => Path.Combine(RepoPaths.Datasets, "jira-cloud-rest");

    public static IReadOnlyList<string> ChangelogIds =>
        [.. Directory.GetFiles(Path.Combine(Folder, "changelogs"), "issue-*.json").Select(f => Path.GetFileNameWithoutExtension(f)["issue-".Length..])];

    public static JsonObject Sprints() => Read("board-8-sprints.json").AsObject();

    public static JsonObject Issues() => Read("board-8-issues.json").AsObject();

    public static JsonArray Statuses() => Read("statuses.json").AsArray();

    public static JsonObject Changelog(string issueId) => Read(Path.Combine("changelogs", $"issue-{issueId}.json")).AsObject();

    public static JsonElement Element(string file) => JsonDocument.Parse(Texts.GetOrAdd(file, f => File.ReadAllText(Path.Combine(Folder, f)))).RootElement;

    private static JsonNode Read(string file) => JsonNode.Parse(Texts.GetOrAdd(file, f => File.ReadAllText(Path.Combine(Folder, f))))!;
}
