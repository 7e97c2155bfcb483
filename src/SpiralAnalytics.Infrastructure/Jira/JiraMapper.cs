using System.Text.Json;
using System.Text.RegularExpressions;
using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Infrastructure.Jira;

/// <summary>What the mapping is told besides the data: which statuses mean blocked, category overrides, the team's key.</summary>
public sealed record JiraMappingRules(
    IReadOnlyCollection<string> BlockedStatuses,
    IReadOnlyDictionary<string, string> StatusCategories,
    string? TeamKey = null)
{
    public static JiraMappingRules From(JiraOptions options) =>
        new(options.EffectiveBlockedStatuses, options.StatusCategories);
}

/// <summary>The bundle made from a snapshot, and what the mapping had to guess or leave out.</summary>
public sealed record JiraMapping(CsvBundle Bundle, IReadOnlyList<string> Warnings);

/// <summary>
/// Maps what Jira returned for one board into the CSV bundle's rows (CSV-BUNDLE.md), so Jira data loads through the same
/// upsert as a bundle. Pure: no I/O, same snapshot → same rows. Keys: team <c>board-{id}</c>, sprint <c>JIRA-S{id}</c>
/// (Jira's sprint ids are unique per site), issue = the Jira issue key. Every row set is unique on its table's key.
/// </summary>
public static partial class JiraMapper
{
    public static string TeamKeyFor(long boardId) => $"board-{boardId}";

    public static string SprintKeyFor(long sprintId) => $"JIRA-S{sprintId}";

    public static JiraMapping Map(JiraSnapshot snapshot, JiraMappingRules rules)
    {
        var warnings = new List<string>();
        var categories = new JiraStatusCategories(snapshot.Statuses, rules.StatusCategories);
        var blocked = new HashSet<string>(rules.BlockedStatuses, StringComparer.OrdinalIgnoreCase);
        var teamKey = rules.TeamKey ?? TeamKeyFor(snapshot.Board.Id);

        var sprints = new Dictionary<long, JiraSprint>();
        foreach (var sprint in snapshot.Sprints)
        {
            sprints[sprint.Id] = sprint;
        }

        var sprintRows = sprints.Values.OrderBy(s => s.Id).Select(s => new SprintRow(
            SprintKeyFor(s.Id), teamKey, s.Name.Length > 0 ? s.Name : $"Sprint {s.Id}",
            s.State is "future" or "active" or "closed" ? s.State : "future", s.StartAt, s.EndAt, s.CompletedAt, s.Goal)).ToList();

        var issues = new Dictionary<string, JiraIssue>(StringComparer.Ordinal);
        foreach (var issue in snapshot.Issues)
        {
            issues[issue.Key] = issue;
        }

        var issueRows = new List<IssueRow>();
        var memberships = new List<MembershipRow>();
        var transitions = new List<TransitionRow>();
        var blocks = new List<BlockRow>();
        var comments = new List<CommentRow>();
        var outside = new SortedSet<long>();
        var truncatedComments = 0;
        foreach (var issue in issues.Values.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            var fields = issue.Json.GetProperty("fields");
            var history = History.Of(issue, snapshot.Fields);
            var created = fields.Time("created");

            issueRows.Add(new IssueRow(
                issue.Key,
                teamKey,
                fields.Prop("issuetype").Str("name") ?? "Unknown",
                fields.Prop("priority").Str("name"),
                fields.Prop("status").Str("name"),
                fields.Prop("status") is { } status ? categories.ResolveCurrent(status) : "todo",
                fields.Prop("resolution").Str("name"),
                StoryPoints(fields, snapshot.Fields),
                fields.Prop("assignee").Str("displayName"),
                EpicKey(fields, snapshot.Fields),
                [.. fields.Items("labels").Select(l => l.GetString()).OfType<string>().Where(l => l.Length > 0)],
                created,
                fields.Time("resolutiondate")));

            transitions.AddRange(history.Statuses
                .Select(t => new TransitionRow(issue.Key, t.At, t.FromName, t.ToName!,
                    t.FromName is null && t.FromId is null ? null : categories.Resolve(t.FromId, t.FromName),
                    categories.Resolve(t.ToId, t.ToName)))
                .Where(t => t.ToStatus.Length > 0)
                .GroupBy(t => (t.At, t.ToStatus)).Select(g => g.Last()));

            var points = PointsTimeline(fields, history, snapshot.Fields);
            foreach (var (sprintId, addedAt, removedAt) in SprintMemberships(fields, history, snapshot.Fields, created))
            {
                if (!sprints.TryGetValue(sprintId, out var sprint))
                {
                    outside.Add(sprintId);
                    continue;
                }

                memberships.Add(new MembershipRow(SprintKeyFor(sprintId), issue.Key, addedAt, removedAt, Committed: null, Outcome: null,
                    PointsAtStart(sprint, addedAt, removedAt, points), PointsAtEnd(sprint, removedAt, points)));
            }

            blocks.AddRange(BlockedIntervals(fields, history, snapshot.Fields, blocked, created)
                .Select(b => new BlockRow(issue.Key, b.From, b.To)));

            if (fields.Prop("comment") is { } comment)
            {
                var listed = comment.Items("comments").ToList();
                if (comment.Prop("total") is { ValueKind: JsonValueKind.Number } total && total.GetInt32() > listed.Count)
                {
                    truncatedComments++;
                }

                comments.AddRange(listed
                    .Where(c => c.Time("created") is not null)
                    .Select(c => new CommentRow(issue.Key, c.Prop("author").Str("displayName"), c.Time("created")!.Value))
                    .GroupBy(c => (c.CreatedAt, c.Author)).Select(g => g.First()));
            }
        }

        if (outside.Count > 0)
        {
            warnings.Add($"memberships in sprints that are not on board {snapshot.Board.Id} were left out (sprint ids {string.Join(", ", outside)})");
        }

        if (truncatedComments > 0)
        {
            warnings.Add($"{truncatedComments} issue(s) have more comments than Jira listed with them; only the listed ones were imported");
        }

        foreach (var (name, guess) in categories.Guessed)
        {
            warnings.Add($"status '{name}' is not in Jira's status list; its category was taken as {guess} (set Jira:StatusCategories:{name} to change it)");
        }

        var bundle = new CsvBundle(
            [new TeamRow(teamKey, snapshot.Board.Name)],
            sprintRows,
            issueRows,
            [.. memberships.GroupBy(m => (m.SprintKey, m.IssueKey, m.AddedAt)).Select(g => g.Last())],
            transitions,
            blocks,
            comments);
        return new JiraMapping(bundle, warnings);
    }

    private static decimal? StoryPoints(JsonElement fields, JiraFieldSet known) =>
        known.StoryPoints is { } field ? fields.Number(field.Id) : null;

    private static string? EpicKey(JsonElement fields, JiraFieldSet known)
    {
        if (fields.Prop("epic") is { ValueKind: JsonValueKind.Object } epic && epic.Str("key") is { } epicKey)
        {
            return epicKey;
        }

        if (known.EpicLink is { } link && fields.Str(link.Id) is { Length: > 0 } linked)
        {
            return linked;
        }

        // Team-managed projects (and newer company-managed ones) put the epic in `parent`.
        var parent = fields.Prop("parent");
        var parentType = parent?.Prop("fields")?.Prop("issuetype");
        return parentType is { } type && (type.Prop("hierarchyLevel") is { ValueKind: JsonValueKind.Number } level && level.GetInt32() == 1
                                          || string.Equals(type.Str("name"), "Epic", StringComparison.OrdinalIgnoreCase))
            ? parent.Str("key")
            : null;
    }

    /// <summary>
    /// Sprint memberships from the Sprint field's changelog: an id that appears in an item's <c>to</c> and not its <c>from</c>
    /// was added then, one that disappears was removed then. Sprints held before the first item (or, without items, the
    /// field's current value) count from the issue's creation: Jira does not log the value an issue was created with.
    /// Jira keeps a closed sprint in the field when it carries an unfinished issue over, so carry-over is not a removal.
    /// </summary>
    private static IEnumerable<(long SprintId, DateTimeOffset? AddedAt, DateTimeOffset? RemovedAt)> SprintMemberships(
        JsonElement fields, History history, JiraFieldSet known, DateTimeOffset? created)
    {
        var open = new Dictionary<long, DateTimeOffset?>();
        var initial = history.Sprints.Count > 0 ? history.Sprints[0].From : CurrentSprints(fields, known);
        foreach (var id in initial)
        {
            open[id] = created;
        }

        var result = new List<(long, DateTimeOffset?, DateTimeOffset?)>();
        foreach (var change in history.Sprints)
        {
            foreach (var id in change.From.Except(change.To))
            {
                result.Add((id, open.Remove(id, out var added) ? added : created, change.At));
            }

            foreach (var id in change.To.Except(change.From))
            {
                open.TryAdd(id, change.At);
            }
        }

        foreach (var id in CurrentSprints(fields, known))
        {
            open.TryAdd(id, created);
        }

        result.AddRange(open.Select(o => (o.Key, o.Value, (DateTimeOffset?)null)));
        return result.OrderBy(r => r.Item1).ThenBy(r => r.Item2);
    }

    private static IReadOnlyList<long> CurrentSprints(JsonElement fields, JiraFieldSet known)
    {
        IEnumerable<JsonElement> values = known.Sprint is { } field
            ? fields.Items(field.Id)
            : fields.Items("closedSprints").Concat(fields.Prop("sprint") is { } active ? [active] : []);
        var ids = new List<long>();
        foreach (var value in values)
        {
            if (value.ValueKind == JsonValueKind.Object && value.Prop("id") is { ValueKind: JsonValueKind.Number } id)
            {
                ids.Add(id.GetInt64());
            }
            else if (value.ValueKind == JsonValueKind.String && LegacySprintId().Match(value.GetString()!) is { Success: true } match)
            {
                ids.Add(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return [.. ids.Distinct()];
    }

    /// <summary>Data Center's older string form: <c>com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=12,rapidViewId=…]</c>.</summary>
    [GeneratedRegex(@"\[id=(\d+)")]
    private static partial Regex LegacySprintId();

    /// <summary>The estimate over time: each story-points change sets it; before the first change it was that change's <c>from</c>.</summary>
    private static Func<DateTimeOffset, decimal?> PointsTimeline(JsonElement fields, History history, JiraFieldSet known)
    {
        var current = StoryPoints(fields, known);
        var changes = history.Points;
        if (changes.Count == 0)
        {
            return _ => current;
        }

        return at =>
        {
            decimal? value = changes[0].From;
            foreach (var change in changes)
            {
                if (change.At > at)
                {
                    break;
                }

                value = change.To;
            }

            return value;
        };
    }

    /// <summary>The estimate when the sprint started, or when the issue joined it after the start (or left before it).</summary>
    private static decimal? PointsAtStart(JiraSprint sprint, DateTimeOffset? addedAt, DateTimeOffset? removedAt, Func<DateTimeOffset, decimal?> points)
    {
        if (sprint.StartAt is not { } start)
        {
            return null;
        }

        var at = addedAt is { } added && added > start ? added : start;
        return points(removedAt is { } removed && removed < at ? removed : at);
    }

    /// <summary>The estimate when the sprint closed, or when the issue left it; none while the sprint is open and holds the issue.</summary>
    private static decimal? PointsAtEnd(JiraSprint sprint, DateTimeOffset? removedAt, Func<DateTimeOffset, decimal?> points)
    {
        var closed = sprint.CompletedAt ?? (sprint.State == "closed" ? sprint.EndAt : null);
        DateTimeOffset? at = removedAt is { } removed && (closed is null || removed < closed) ? removed : closed;
        return at is { } end ? points(end) : null;
    }

    /// <summary>
    /// Blocked time: while the Flagged field is set, or while the issue is in one of the blocked statuses; overlapping
    /// intervals are merged. A flag or status held before the first change counts from creation.
    /// </summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset? To)> BlockedIntervals(
        JsonElement fields, History history, JiraFieldSet known, HashSet<string> blockedStatuses, DateTimeOffset? created)
    {
        var intervals = new List<(DateTimeOffset From, DateTimeOffset? To)>();

        var flaggedNow = fields.Prop("flagged") is { ValueKind: JsonValueKind.True }
            || (known.Flagged is { } flagField && fields.Items(flagField.Id).Any());
        var flagStates = history.Flags.Select(f => (f.At, f.On)).ToList();
        intervals.AddRange(Intervals(history.Flags.Count > 0 ? history.Flags[0].WasOn : flaggedNow, flagStates, created));

        if (blockedStatuses.Count > 0)
        {
            var initialStatus = history.Statuses.Count > 0 ? history.Statuses[0].FromName : fields.Prop("status").Str("name");
            var statusStates = history.Statuses.Select(s => (s.At, On: s.ToName is not null && blockedStatuses.Contains(s.ToName))).ToList();
            intervals.AddRange(Intervals(initialStatus is not null && blockedStatuses.Contains(initialStatus), statusStates, created));
        }

        var merged = new List<(DateTimeOffset From, DateTimeOffset? To)>();
        foreach (var interval in intervals.OrderBy(i => i.From))
        {
            if (merged.Count > 0 && (merged[^1].To is null || interval.From <= merged[^1].To))
            {
                var last = merged[^1];
                merged[^1] = (last.From, last.To is null || interval.To is null ? null : interval.To > last.To ? interval.To : last.To);
            }
            else
            {
                merged.Add(interval);
            }
        }

        return merged;
    }

    private static IEnumerable<(DateTimeOffset From, DateTimeOffset? To)> Intervals(
        bool initiallyOn, List<(DateTimeOffset At, bool On)> changes, DateTimeOffset? created)
    {
        DateTimeOffset? since = initiallyOn ? created ?? changes.FirstOrDefault().At : null;
        var result = new List<(DateTimeOffset, DateTimeOffset?)>();
        foreach (var (at, on) in changes)
        {
            if (on && since is null)
            {
                since = at;
            }
            else if (!on && since is { } from)
            {
                if (at >= from)
                {
                    result.Add((from, at));
                }

                since = null;
            }
        }

        if (since is { } still)
        {
            result.Add((still, null));
        }

        return result;
    }

    private sealed record StatusChange(DateTimeOffset At, string? FromId, string? FromName, string? ToId, string? ToName);

    private sealed record SprintChange(DateTimeOffset At, IReadOnlyList<long> From, IReadOnlyList<long> To);

    private sealed record PointsChange(DateTimeOffset At, decimal? From, decimal? To);

    private sealed record FlagChange(DateTimeOffset At, bool WasOn, bool On);

    /// <summary>The changelog items the mapping reads, in time order.</summary>
    private sealed record History(
        IReadOnlyList<StatusChange> Statuses,
        IReadOnlyList<SprintChange> Sprints,
        IReadOnlyList<PointsChange> Points,
        IReadOnlyList<FlagChange> Flags)
    {
        public static History Of(JiraIssue issue, JiraFieldSet known)
        {
            var statuses = new List<StatusChange>();
            var sprints = new List<SprintChange>();
            var points = new List<PointsChange>();
            var flags = new List<FlagChange>();
            var ordered = issue.Histories
                .Select(h => (History: h, At: h.Time("created")))
                .Where(h => h.At is not null)
                .OrderBy(h => h.At)
                .ThenBy(h => long.TryParse(h.History.Str("id"), out var id) ? id : 0);
            foreach (var (entry, at) in ordered)
            {
                foreach (var item in entry.Items("items"))
                {
                    if (IsStatus(item))
                    {
                        statuses.Add(new StatusChange(at!.Value, item.Str("from"), item.Str("fromString"), item.Str("to"), item.Str("toString")));
                    }
                    else if (Is(item, known.Sprint, "Sprint"))
                    {
                        sprints.Add(new SprintChange(at!.Value, Ids(item.Str("from")), Ids(item.Str("to"))));
                    }
                    else if (Is(item, known.StoryPoints, "Story Points", "Story point estimate"))
                    {
                        points.Add(new PointsChange(at!.Value,
                            JiraJson.Number(item.Str("fromString") ?? item.Str("from")), JiraJson.Number(item.Str("toString") ?? item.Str("to"))));
                    }
                    else if (Is(item, known.Flagged, "Flagged"))
                    {
                        flags.Add(new FlagChange(at!.Value, !string.IsNullOrEmpty(item.Str("fromString") ?? item.Str("from")),
                            !string.IsNullOrEmpty(item.Str("toString") ?? item.Str("to"))));
                    }
                }
            }

            return new History(statuses, sprints, points, flags);
        }

        /// <summary>
        /// Whether a changelog item is about a field: by <c>fieldId</c> when both sides know it (Cloud), else by the field's
        /// name (Data Center items carry no id).
        /// </summary>
        private static bool Is(JsonElement item, JiraField? field, params string[] names)
        {
            var fieldId = item.Str("fieldId");
            if (field is not null && fieldId is not null)
            {
                return fieldId == field.Id;
            }

            var name = item.Str("field");
            return name is not null && (field is not null
                ? name.Equals(field.Name, StringComparison.OrdinalIgnoreCase)
                : names.Contains(name, StringComparer.OrdinalIgnoreCase));
        }

        private static bool IsStatus(JsonElement item) =>
            item.Str("fieldId") is { } fieldId ? fieldId == "status" : item.Str("field") == "status";

        private static IReadOnlyList<long> Ids(string? text) =>
            string.IsNullOrWhiteSpace(text)
                ? []
                : [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(t => long.TryParse(t, out var id) ? id : -1).Where(id => id >= 0).Distinct()];
    }
}
