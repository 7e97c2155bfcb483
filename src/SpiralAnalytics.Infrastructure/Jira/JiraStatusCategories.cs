using System.Text.Json;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>
/// Turns a Jira status into the bundle's category (<c>todo</c>, <c>in_progress</c>, <c>done</c>): a configured override by
/// name first, then the status id in <c>api/N/status</c>, then its name there, and for statuses Jira no longer lists
/// (changelogs keep deleted ones) a guess from the name, reported as a warning.
/// </summary>
public sealed class JiraStatusCategories
{
    private readonly Dictionary<string, string> _overrides;
    private readonly Dictionary<string, string> _byId;
    private readonly Dictionary<string, string> _byName;
    private readonly SortedDictionary<string, string> _guessed = new(StringComparer.Ordinal);

    public JiraStatusCategories(IReadOnlyList<JiraStatus> statuses, IReadOnlyDictionary<string, string> overrides)
    {
        _overrides = new Dictionary<string, string>(overrides, StringComparer.OrdinalIgnoreCase);
        _byId = statuses.GroupBy(s => s.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => FromJira(g.First().CategoryKey), StringComparer.Ordinal);
        _byName = statuses.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => FromJira(g.First().CategoryKey), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Statuses whose category was guessed from the name, with the guess.</summary>
    public IReadOnlyDictionary<string, string> Guessed => _guessed;

    /// <summary>Jira's category keys: <c>new</c> → todo, <c>indeterminate</c> → in_progress, <c>done</c> → done (<c>undefined</c> → todo).</summary>
    public static string FromJira(string categoryKey) => categoryKey switch
    {
        "done" => "done",
        "indeterminate" => "in_progress",
        _ => "todo",
    };

    public string Resolve(string? id, string? name)
    {
        if (name is not null && _overrides.TryGetValue(name, out var configured))
        {
            return configured;
        }

        if (id is not null && _byId.TryGetValue(id, out var byId))
        {
            return byId;
        }

        if (name is not null && _byName.TryGetValue(name, out var byName))
        {
            return byName;
        }

        var guess = Guess(name ?? "");
        _guessed.TryAdd(name ?? $"#{id}", guess);
        return guess;
    }

    /// <summary>An issue's current status: the category Jira embeds in it, unless configuration overrides the name.</summary>
    public string ResolveCurrent(JsonElement status)
    {
        var name = status.Str("name");
        if (name is not null && _overrides.TryGetValue(name, out var configured))
        {
            return configured;
        }

        return status.Prop("statusCategory")?.Str("key") is { } key ? FromJira(key) : Resolve(status.Str("id"), name);
    }

    private static string Guess(string name)
    {
        var n = name.ToLowerInvariant();
        string[] done = ["done", "closed", "resolved", "complete", "released", "cancel", "rejected", "won't", "invalid", "完成", "关闭"];
        string[] todo = ["to do", "todo", "open", "backlog", "new", "inbox", "ready", "selected", "reopened", "打开"];
        return done.Any(n.Contains) ? "done" : todo.Any(n.Contains) ? "todo" : "in_progress";
    }
}
