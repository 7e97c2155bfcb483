using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure.Jira;

namespace SpiralAnalytics.Integration.Tests.Jira;

/// <summary>The pure mapping from recorded Jira responses to bundle rows: no database, no HTTP.</summary>
public sealed class JiraMapperTests
{
    private static readonly JiraMappingRules Rules = new(["Blocked"], new Dictionary<string, string>());

    [Fact]
    public void Maps_every_sprint_and_issue_of_board_8_with_unique_keys()
    {
        var recordedSprints = Recordings.Element("board-8-sprints.json").GetProperty("values").EnumerateArray().ToList();
        var recordedIssues = Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray().ToList();

        var bundle = JiraMapper.Map(Snapshots.Board8(), Rules).Bundle;

        Assert.Equal([new TeamRow("board-8", "EE board")], bundle.Teams);
        Assert.Equal(recordedSprints.Select(s => $"JIRA-S{s.GetProperty("id").GetInt64()}").Order(), bundle.Sprints.Select(s => s.Key).Order());
        Assert.All(bundle.Sprints, s => Assert.Equal("board-8", s.TeamKey));
        Assert.Equal(recordedIssues.Select(i => i.GetProperty("key").GetString()).Order(), bundle.Issues.Select(i => i.Key).Order());
        Assert.Equal(bundle.Memberships.Count, bundle.Memberships.DistinctBy(m => (m.SprintKey, m.IssueKey, m.AddedAt)).Count());
        Assert.Equal(bundle.Transitions.Count, bundle.Transitions.DistinctBy(t => (t.IssueKey, t.At, t.ToStatus)).Count());
        Assert.Equal(bundle.Comments.Count, bundle.Comments.DistinctBy(c => (c.IssueKey, c.CreatedAt, c.Author)).Count());

        var sprint7 = recordedSprints.Single(s => s.GetProperty("id").GetInt64() == 7);
        var row7 = bundle.Sprints.Single(s => s.Key == "JIRA-S7");
        Assert.Equal((sprint7.GetProperty("name").GetString(), "closed"), (row7.Name, row7.State));
        Assert.Equal(DateTimeOffset.Parse(sprint7.GetProperty("completeDate").GetString()!, CultureInfo.InvariantCulture), row7.CompletedAt);
        Assert.Null(row7.Goal);
    }

    [Fact]
    public void Issue_fields_map_to_the_issue_row()
    {
        var recorded = RecordedIssue("EE-2").GetProperty("fields");

        var row = JiraMapper.Map(Snapshots.Board8(), Rules).Bundle.Issues.Single(i => i.Key == "EE-2");

        Assert.Equal(recorded.GetProperty("issuetype").GetProperty("name").GetString(), row.Type);
        Assert.Equal(recorded.GetProperty("status").GetProperty("name").GetString(), row.Status);
        Assert.Equal("done", row.StatusCategory);
        Assert.Equal(recorded.GetProperty("resolution").GetProperty("name").GetString(), row.Resolution);
        Assert.Equal(recorded.GetProperty("customfield_10024").GetDecimal(), row.StoryPoints);
        Assert.Equal(recorded.GetProperty("assignee").GetProperty("displayName").GetString(), row.Assignee);
        Assert.Equal(recorded.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!), row.Labels);
        Assert.Equal(Time(recorded.GetProperty("created").GetString()), row.CreatedAt);
        Assert.Equal(Time(recorded.GetProperty("resolutiondate").GetString()), row.ResolvedAt);
        Assert.Equal(recorded.GetProperty("comment").GetProperty("comments").GetArrayLength(),
            JiraMapper.Map(Snapshots.Board8(), Rules).Bundle.Comments.Count(c => c.IssueKey == "EE-2"));
    }

    [Fact]
    public void Status_changelog_items_become_transitions_with_categories_from_the_status_list()
    {
        var categories = Recordings.Element("statuses.json").EnumerateArray()
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("statusCategory").GetProperty("key").GetString()!);
        var mapping = JiraMapper.Map(Snapshots.Board8(), Rules);

        foreach (var issue in Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray())
        {
            var key = issue.GetProperty("key").GetString()!;
            var expected = StatusItems(issue).Select(s => (s.At, s.From, s.To)).OrderBy(t => t.At).ThenBy(t => t.To).ToList();
            var rows = mapping.Bundle.Transitions.Where(t => t.IssueKey == key).ToList();
            Assert.Equal(expected, rows.Select(t => (t.At, t.FromStatus, t.ToStatus)).OrderBy(t => t.At).ThenBy(t => t.ToStatus));
            foreach (var (at, _, to, toId) in StatusItems(issue).Where(s => categories.ContainsKey(s.ToId!)))
            {
                Assert.Equal(JiraStatusCategories.FromJira(categories[toId!]), rows.Single(r => r.At == at && r.ToStatus == to).ToCategory);
            }
        }

        // '已完成' (id 10068) is a done status in the list; 'Resolved' (id 5) is not listed any more: guessed and reported.
        Assert.Contains(mapping.Bundle.Transitions, t => t.ToStatus == "已完成" && t.ToCategory == "done");
        Assert.All(mapping.Bundle.Transitions.Where(t => t.ToStatus == "Resolved"), t => Assert.Equal("done", t.ToCategory));
        Assert.Contains(mapping.Warnings, w => w.Contains("status 'Resolved'", StringComparison.Ordinal));
    }

    [Fact]
    public void Sprint_changelog_items_become_added_at_and_removed_at()
    {
        var snapshot = Snapshots.Board8();
        var boardSprints = snapshot.Sprints.Select(s => s.Id).ToHashSet();
        var memberships = JiraMapper.Map(snapshot, Rules).Bundle.Memberships;

        var checkedItems = 0;
        foreach (var issue in Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray())
        {
            var key = issue.GetProperty("key").GetString()!;
            foreach (var (at, from, to) in SprintItems(issue))
            {
                foreach (var added in to.Except(from).Where(boardSprints.Contains))
                {
                    Assert.Contains(memberships, m => m.IssueKey == key && m.SprintKey == $"JIRA-S{added}" && m.AddedAt == at);
                    checkedItems++;
                }

                foreach (var removed in from.Except(to).Where(boardSprints.Contains))
                {
                    Assert.Contains(memberships, m => m.IssueKey == key && m.SprintKey == $"JIRA-S{removed}" && m.RemovedAt == at);
                    checkedItems++;
                }
            }

            if (!SprintItems(issue).Any())
            {
                // No Sprint changes: the current Sprint field, held since the issue was created (sub-tasks inherit it).
                var current = issue.GetProperty("fields").GetProperty("customfield_10020").EnumerateArray()
                    .Select(s => $"JIRA-S{s.GetProperty("id").GetInt64()}").Order();
                Assert.Equal(current, memberships.Where(m => m.IssueKey == key).Select(m => m.SprintKey).Order());
                Assert.All(memberships.Where(m => m.IssueKey == key), m =>
                    Assert.Equal((Time(issue.GetProperty("fields").GetProperty("created").GetString()), (DateTimeOffset?)null), (m.AddedAt, m.RemovedAt)));
            }
        }

        Assert.True(checkedItems > 20, $"only {checkedItems} sprint changes checked");

        // EE-17 left sprint 9 and came back: two memberships of sprint 9, the second still open until it moved to sprint 17.
        var ee17 = memberships.Where(m => m.IssueKey == "EE-17" && m.SprintKey == "JIRA-S9").OrderBy(m => m.AddedAt).ToList();
        Assert.Equal(2, ee17.Count);
        Assert.All(ee17, m => Assert.NotNull(m.RemovedAt));
        Assert.Contains(memberships, m => m.IssueKey == "EE-17" && m.SprintKey == "JIRA-S17" && m.RemovedAt is null);
    }

    [Fact]
    public void A_sprint_carried_over_stays_a_membership_and_a_dropped_sprint_is_removed()
    {
        // The recorded changelog of issue 13954: sprint 28 → 28,29 → … → …,37 → dropped 37 (Jira keeps closed sprints in the field).
        var histories = Recordings.Element("changelogs/issue-13954.json").GetProperty("values").EnumerateArray().ToList();
        var items = histories.SelectMany(h => h.GetProperty("items").EnumerateArray()
                .Where(i => i.GetProperty("field").GetString() == "Sprint")
                .Select(i => (At: Time(h.GetProperty("created").GetString())!.Value, From: Ids(i, "from"), To: Ids(i, "to"))))
            .ToList();
        var final = items[^1].To;
        var issue = Synthetic("EE-900", "13954", created: "2021-03-01T10:00:00.000+0800", fields =>
            fields["customfield_10020"] = new JsonArray([.. final.Select(id => (JsonNode)new JsonObject { ["id"] = id })]));

        var memberships = JiraMapper.Map(Snapshots.Board8() with { Issues = [new JiraIssue(issue, histories)] }, Rules).Bundle.Memberships;

        var everAdded = items.SelectMany(i => i.To).Distinct().ToList();
        Assert.Equal(everAdded.Select(id => $"JIRA-S{id}").Order(), memberships.Select(m => m.SprintKey).Order());
        foreach (var id in everAdded)
        {
            var membership = memberships.Single(m => m.SprintKey == $"JIRA-S{id}");
            Assert.Equal(items.First(i => i.To.Contains(id) && !i.From.Contains(id)).At, membership.AddedAt);
            Assert.Equal(final.Contains(id) ? null : items.Last(i => i.From.Contains(id) && !i.To.Contains(id)).At, membership.RemovedAt);
        }

        Assert.Single(memberships, m => m.RemovedAt is not null);
    }

    [Fact]
    public void Estimates_at_sprint_start_and_close_come_from_the_story_points_changelog()
    {
        var sprint = new JiraSprint(500, "S", "closed", Time("2024-03-04T09:00:00.000+0000"), Time("2024-03-18T09:00:00.000+0000"),
            Time("2024-03-18T10:00:00.000+0000"), null);
        var issue = Synthetic("EE-901", "901", created: "2024-03-01T09:00:00.000+0000", fields =>
        {
            fields["customfield_10024"] = 8;
            fields["customfield_10020"] = new JsonArray(new JsonObject { ["id"] = 500 });
        });
        JsonElement[] histories =
        [
            History("1", "2024-03-02T09:00:00.000+0000", Item("Story Points", "customfield_10024", null, "3")),
            History("2", "2024-03-10T09:00:00.000+0000", Item("Story Points", "customfield_10024", "3", "5")),
            History("3", "2024-03-20T09:00:00.000+0000", Item("Story Points", "customfield_10024", "5", "8")),
        ];
        var snapshot = Snapshots.Board8() with { Sprints = [sprint], Issues = [new JiraIssue(issue, histories)] };

        var membership = Assert.Single(JiraMapper.Map(snapshot, Rules).Bundle.Memberships);

        Assert.Equal(("JIRA-S500", Time("2024-03-01T09:00:00.000+0000"), (DateTimeOffset?)null), (membership.SprintKey, membership.AddedAt, membership.RemovedAt));
        Assert.Equal(3m, membership.PointsAtStart);
        Assert.Equal(5m, membership.PointsAtEnd);
        Assert.Null(membership.Committed);
        Assert.Null(membership.Outcome);
    }

    [Fact]
    public void Blocked_intervals_come_from_the_flag_and_the_blocked_statuses_merged()
    {
        var issue = Synthetic("EE-902", "902", created: "2024-03-01T09:00:00.000+0000", fields => fields["customfield_10020"] = new JsonArray());
        JsonElement[] histories =
        [
            History("1", "2024-03-02T09:00:00.000+0000", Item("Flagged", "customfield_10021", null, "Impediment")),
            History("2", "2024-03-03T09:00:00.000+0000", Item("status", "status", "In Progress", "Blocked / On Hold", fromId: "3", toId: "10157")),
            History("3", "2024-03-04T09:00:00.000+0000", Item("Flagged", "customfield_10021", "Impediment", null)),
            History("4", "2024-03-05T09:00:00.000+0000", Item("status", "status", "Blocked / On Hold", "In Progress", fromId: "10157", toId: "3")),
            History("5", "2024-03-07T09:00:00.000+0000", Item("Flagged", "customfield_10021", null, "Impediment")),
        ];
        var snapshot = Snapshots.Board8() with { Issues = [new JiraIssue(issue, histories)] };

        var blocks = JiraMapper.Map(snapshot, Rules with { BlockedStatuses = ["blocked / on hold"] }).Bundle.Blocks;

        Assert.Equal(
            [
                new BlockRow("EE-902", Time("2024-03-02T09:00:00.000+0000")!.Value, Time("2024-03-05T09:00:00.000+0000")),
                new BlockRow("EE-902", Time("2024-03-07T09:00:00.000+0000")!.Value, null),
            ],
            blocks);
    }

    [Fact]
    public void Status_categories_come_from_configuration_then_the_status_id_then_its_name()
    {
        var statuses = Snapshots.Board8().Statuses;
        var categories = new JiraStatusCategories(statuses, new Dictionary<string, string> { ["测试中"] = "done" });

        Assert.Equal("done", categories.Resolve("10084", "测试中"));        // listed as indeterminate, overridden
        Assert.Equal("in_progress", categories.Resolve("10074", "开发中"));  // by id
        Assert.Equal("todo", categories.Resolve("10000", "To Do"));          // id not listed, name is
        Assert.Equal("in_progress", categories.Resolve("3", "In Development")); // renamed, the id still says
        Assert.Equal("todo", categories.Resolve("10020", "Inbox"));           // neither: a guess, reported
        Assert.Equal(new Dictionary<string, string> { ["Inbox"] = "todo" }, categories.Guessed);
    }

    private static JsonElement RecordedIssue(string key) =>
        Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray().Single(i => i.GetProperty("key").GetString() == key);

    private static DateTimeOffset? Time(string? text) =>
        text is null ? null : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static IEnumerable<(DateTimeOffset At, string? From, string To, string? ToId)> StatusItems(JsonElement issue) =>
        issue.GetProperty("changelog").GetProperty("histories").EnumerateArray().SelectMany(h => h.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("field").GetString() == "status")
            .Select(i => (Time(h.GetProperty("created").GetString())!.Value, i.GetProperty("fromString").GetString(),
                i.GetProperty("toString").GetString()!, i.GetProperty("to").GetString())));

    private static IEnumerable<(DateTimeOffset At, long[] From, long[] To)> SprintItems(JsonElement issue) =>
        issue.GetProperty("changelog").GetProperty("histories").EnumerateArray().SelectMany(h => h.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("field").GetString() == "Sprint")
            .Select(i => (Time(h.GetProperty("created").GetString())!.Value, Ids(i, "from"), Ids(i, "to"))));

    private static long[] Ids(JsonElement item, string name) =>
        item.GetProperty(name).GetString() is { Length: > 0 } text
            ? [.. text.Split(',').Select(t => long.Parse(t.Trim(), CultureInfo.InvariantCulture))]
            : [];

    /// <summary>A recorded issue (EE-1's shape) with a new key and id, and its fields changed.</summary>
    private static JsonElement Synthetic(string key, string id, string created, Action<JsonObject> change)
    {
        var issue = JsonNode.Parse(RecordedIssue("EE-1").GetRawText())!.AsObject();
        issue["key"] = key;
        issue["id"] = id;
        issue.Remove("changelog");
        var fields = issue["fields"]!.AsObject();
        fields["created"] = created;
        change(fields);
        return JsonSerializer.SerializeToElement(issue);
    }

    private static JsonElement History(string id, string created, params JsonObject[] items) =>
        JsonSerializer.SerializeToElement(new JsonObject { ["id"] = id, ["created"] = created, ["items"] = new JsonArray([.. items]) });

    private static JsonObject Item(string field, string fieldId, string? from, string? to, string? fromId = null, string? toId = null) => new()
    {
        ["field"] = field, ["fieldtype"] = fieldId.StartsWith("customfield", StringComparison.Ordinal) ? "custom" : "jira", ["fieldId"] = fieldId,
        ["from"] = fromId, ["fromString"] = from, ["to"] = toId, ["toString"] = to,
    };
}

/// <summary>Board 8's recordings as the client would hand them to the mapper (the recorded changelogs are complete).</summary>
internal static class Snapshots
{
    public static readonly JiraFieldSet Fields = new(
        new JiraField("customfield_10024", "Story Points"), new JiraField("customfield_10020", "Sprint"),
        new JiraField("customfield_10021", "Flagged"), new JiraField("customfield_10014", "Epic Link"));

    public static JiraSnapshot Board8() => new(
        new JiraBoard(8, "EE board", "scrum", "EE"),
        [.. Recordings.Element("board-8-sprints.json").GetProperty("values").EnumerateArray().Select(JiraSprint.FromJson)],
        [.. Recordings.Element("board-8-issues.json").GetProperty("issues").EnumerateArray()
            .Select(i => new JiraIssue(i, [.. i.GetProperty("changelog").GetProperty("histories").EnumerateArray()]))],
        [.. Recordings.Element("statuses.json").EnumerateArray().Select(JiraStatus.FromJson)],
        Fields);
}
