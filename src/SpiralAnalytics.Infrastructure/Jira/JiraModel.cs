using System.Globalization;
using System.Text.Json;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>A board as <c>agile/1.0/board/{id}</c> describes it.</summary>
public sealed record JiraBoard(long Id, string Name, string? Type, string? ProjectKey)
{
    public bool HasSprints => Type is null || !Type.Equals("kanban", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A sprint of a board (<c>agile/1.0/board/{id}/sprint</c>).</summary>
public sealed record JiraSprint(long Id, string Name, string State, DateTimeOffset? StartAt, DateTimeOffset? EndAt, DateTimeOffset? CompletedAt, string? Goal)
{
    public static JiraSprint FromJson(JsonElement s) => new(
        s.GetProperty("id").GetInt64(), s.Str("name") ?? "", (s.Str("state") ?? "future").ToLowerInvariant(),
        s.Time("startDate"), s.Time("endDate"), s.Time("completeDate"), s.Str("goal") is { Length: > 0 } goal ? goal : null);
}

/// <summary>A status and its category key (<c>new</c>, <c>indeterminate</c>, <c>done</c>) from <c>api/N/status</c>.</summary>
public sealed record JiraStatus(string Id, string Name, string CategoryKey)
{
    public static JiraStatus FromJson(JsonElement s) => new(s.Str("id")!, s.Str("name") ?? "", s.Prop("statusCategory")?.Str("key") ?? "undefined");
}

/// <summary>A field found through <c>api/N/field</c> or named in configuration; the name matches changelog items without a field id (Server).</summary>
public sealed record JiraField(string Id, string Name);

/// <summary>The fields the mapping needs; any may be unknown on a site.</summary>
public sealed record JiraFieldSet(JiraField? StoryPoints, JiraField? Sprint, JiraField? Flagged, JiraField? EpicLink)
{
    /// <summary>The <c>fields=</c> list for the board issue search: only what the mapping reads.</summary>
    public string SearchFields =>
        string.Join(',', new[]
        {
            "issuetype", "priority", "status", "resolution", "resolutiondate", "created", "updated", "assignee", "labels",
            "parent", "epic", "comment", "flagged", "sprint", "closedSprints",
        }.Concat(new[] { StoryPoints, Sprint, Flagged, EpicLink }.Where(f => f is not null).Select(f => f!.Id)).Distinct());
}

/// <summary>One issue as the board search returned it, with its complete changelog (fetched separately when truncated).</summary>
public sealed record JiraIssue(JsonElement Json, IReadOnlyList<JsonElement> Histories)
{
    public string Id => Json.GetProperty("id").GetString()!;

    public string Key => Json.GetProperty("key").GetString()!;
}

/// <summary>Everything read from Jira for one board sync: the input of <see cref="JiraMapper"/>.</summary>
public sealed record JiraSnapshot(
    JiraBoard Board,
    IReadOnlyList<JiraSprint> Sprints,
    IReadOnlyList<JiraIssue> Issues,
    IReadOnlyList<JiraStatus> Statuses,
    JiraFieldSet Fields);

internal static class JiraJson
{
    public static JsonElement? Prop(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string? Str(this JsonElement element, string name) => element.Prop(name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
        _ => null,
    };

    public static string? Str(this JsonElement? element, string name) => element is { } e ? e.Str(name) : null;

    /// <summary>Jira's timestamps: <c>2021-03-28T16:06:08.713+0800</c> (platform) or <c>2020-06-26T00:38:00.000Z</c> (agile).</summary>
    public static DateTimeOffset? Time(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? null
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    public static DateTimeOffset? Time(this JsonElement element, string name) => Time(element.Str(name));

    public static decimal? Number(this JsonElement element, string name) => element.Prop(name) switch
    {
        { ValueKind: JsonValueKind.Number } value => value.GetDecimal(),
        { ValueKind: JsonValueKind.String } value => Number(value.GetString()),
        _ => null,
    };

    public static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) =>
        element.Prop(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
}
