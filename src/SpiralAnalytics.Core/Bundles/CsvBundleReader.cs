using System.Text;
using static SpiralAnalytics.Core.Bundles.BundleSchema;

namespace SpiralAnalytics.Core.Bundles;

/// <summary>
/// Reads and checks a CSV bundle folder (CSV-BUNDLE.md): header, every cell, duplicate keys and
/// references (to rows of the bundle or keys the tenant already has). Nothing is loaded unless all is well.
/// </summary>
public static class CsvBundleReader
{
    public static BundleReadResult Read(string directory, ExistingKeys existing)
    {
        var problems = new BundleProblems();
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            problems.Error(directory, null, null, "the bundle folder does not exist");
            return new BundleReadResult(null, problems);
        }

        var teams = ReadFile(directory, Teams, TeamColumns, ["key", "name"], true, problems, unreadable,
            r => new TeamRow(r.Required("key"), r.Required("name")));
        var sprints = ReadFile(directory, Sprints, SprintColumns, ["key", "team_key", "name", "state"], true, problems, unreadable,
            r => new SprintRow(
                r.Required("key"), r.Required("team_key"), r.Required("name"), r.OneOf("state", SprintStates, required: true) ?? "",
                r.Instant("start_at"), r.Instant("end_at"), r.Instant("completed_at"), r.Text("goal")));
        var issues = ReadFile(directory, Issues, IssueColumns, ["key", "type", "status_category"], true, problems, unreadable,
            r => new IssueRow(
                r.Required("key"), r.Text("team_key"), r.Required("type"), r.Text("priority"), r.Text("status"),
                r.OneOf("status_category", StatusCategories, required: true) ?? "", r.Text("resolution"), r.Points("story_points"),
                r.Text("assignee"), r.Text("epic_key"), r.List("labels"), r.Instant("created_at"), r.Instant("resolved_at")));
        var memberships = ReadFile(directory, SprintIssues, SprintIssueColumns, ["sprint_key", "issue_key"], true, problems, unreadable,
            r => new MembershipRow(
                r.Required("sprint_key"), r.Required("issue_key"), r.Instant("added_at"), r.Instant("removed_at"),
                r.Boolean("committed"), r.OneOf("outcome", Outcomes), r.Points("points_at_start", snapshot: true), r.Points("points_at_end", snapshot: true)));
        var transitions = ReadFile(directory, Transitions, TransitionColumns, ["issue_key", "at", "to_status", "to_category"], false, problems, unreadable,
            r => new TransitionRow(
                r.Required("issue_key"), r.RequiredInstant("at"), r.Text("from_status"), r.Required("to_status"),
                r.OneOf("from_category", StatusCategories), r.OneOf("to_category", StatusCategories, required: true) ?? ""));
        var blocks = ReadFile(directory, Blocks, BlockColumns, ["issue_key", "blocked_from"], false, problems, unreadable,
            r =>
            {
                var row = new BlockRow(r.Required("issue_key"), r.RequiredInstant("blocked_from"), r.Instant("blocked_to"));
                if (row.BlockedTo < row.BlockedFrom)
                {
                    r.Fail("blocked_to", $"blocked_to '{r.Text("blocked_to")}' is before blocked_from '{r.Text("blocked_from")}'");
                }

                return row;
            });
        var comments = ReadFile(directory, Comments, CommentColumns, ["issue_key", "created_at"], false, problems, unreadable,
            r => new CommentRow(r.Required("issue_key"), r.Text("author"), r.RequiredInstant("created_at")));

        var teamKeys = UniqueKeys(Teams, teams, t => t.Row.Key, problems);
        var sprintKeys = UniqueKeys(Sprints, sprints, s => s.Row.Key, problems);
        var issueKeys = UniqueKeys(Issues, issues, i => i.Row.Key, problems);
        UniqueKeys(SprintIssues, memberships, m => $"{m.Row.SprintKey} / {m.Row.IssueKey} / {CellFormat.FormatInstant(m.Row.AddedAt) ?? "(no added_at)"}", problems);
        UniqueKeys(Transitions, transitions, t => $"{t.Row.IssueKey} / {CellFormat.FormatInstant(t.Row.At)} / {t.Row.ToStatus}", problems);
        UniqueKeys(Blocks, blocks, b => $"{b.Row.IssueKey} / {CellFormat.FormatInstant(b.Row.BlockedFrom)}", problems);
        UniqueKeys(Comments, comments, c => $"{c.Row.IssueKey} / {CellFormat.FormatInstant(c.Row.CreatedAt)} / {c.Row.Author}", problems);

        // A file that could not be read to its end is reported once; references to its keys are not judged (no cascade).
        bool Team(string key) => teamKeys.Contains(key) || existing.Teams.Contains(key) || unreadable.Contains(Teams);
        bool Sprint(string key) => sprintKeys.Contains(key) || existing.Sprints.Contains(key) || unreadable.Contains(Sprints);
        bool Issue(string key) => issueKeys.Contains(key) || existing.Issues.Contains(key) || unreadable.Contains(Issues);

        CheckReferences(Sprints, sprints, s => s.TeamKey, "team_key", "team", Team, problems);
        CheckReferences(Issues, issues, i => i.TeamKey, "team_key", "team", Team, problems);
        CheckReferences(SprintIssues, memberships, m => m.SprintKey, "sprint_key", "sprint", Sprint, problems);
        CheckReferences(SprintIssues, memberships, m => m.IssueKey, "issue_key", "issue", Issue, problems);
        CheckReferences(Transitions, transitions, t => t.IssueKey, "issue_key", "issue", Issue, problems);
        CheckReferences(Blocks, blocks, b => b.IssueKey, "issue_key", "issue", Issue, problems);
        CheckReferences(Comments, comments, c => c.IssueKey, "issue_key", "issue", Issue, problems);

        if (problems.HasErrors)
        {
            return new BundleReadResult(null, problems);
        }

        return new BundleReadResult(
            new CsvBundle(Rows(teams), Rows(sprints), Rows(issues), Rows(memberships), Rows(transitions), Rows(blocks), Rows(comments)),
            problems);
    }

    private sealed record Located<T>(int Line, T Row);

    private static List<T> Rows<T>(List<Located<T>> rows) => rows.ConvertAll(r => r.Row);

    private static List<Located<T>> ReadFile<T>(
        string directory, string file, IReadOnlyList<string> known, IReadOnlyCollection<string> required, bool mustExist,
        BundleProblems problems, HashSet<string> unreadable, Func<CsvRow, T> map)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            if (mustExist)
            {
                problems.Error(file, null, null, "the file is missing: every bundle needs teams.csv, sprints.csv, issues.csv and sprint_issues.csv");
                unreadable.Add(file);
            }

            return [];
        }

        using (var bytes = File.OpenRead(path))
        {
            if (Utf8Lines.FirstInvalid(bytes) is { } invalid)
            {
                problems.Error(file, invalid.Line, null, $"the file is not valid UTF-8 (byte {invalid.Byte} of the line): save it as UTF-8");
                unreadable.Add(file);
                return [];
            }
        }

        using var text = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
        try
        {
            var table = CsvTable.Open(file, text, known, required, problems);
            var rows = table?.Rows(r => new Located<T>(r.Line, map(r))) ?? [];
            if (table is not { Complete: true })
            {
                unreadable.Add(file);
            }

            return rows;
        }
        catch (DecoderFallbackException)
        {
            problems.Error(file, null, null, "the file is not valid UTF-8");
            unreadable.Add(file);
            return [];
        }
    }

    private static HashSet<string> UniqueKeys<T>(string file, List<Located<T>> rows, Func<Located<T>, string> key, BundleProblems problems)
    {
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var k = key(row);
            if (k.Length > 0 && !firstLine.TryAdd(k, row.Line))
            {
                problems.Error(file, row.Line, null, $"duplicate key '{k}' (first on line {firstLine[k]})");
            }
        }

        return [.. firstLine.Keys];
    }

    private static void CheckReferences<T>(
        string file, List<Located<T>> rows, Func<T, string?> reference, string column, string what, Func<string, bool> exists, BundleProblems problems)
    {
        foreach (var row in rows)
        {
            if (reference(row.Row) is { } key && !exists(key))
            {
                problems.Error(file, row.Line, column, $"{column} '{key}' is not a {what} of this bundle or tenant");
            }
        }
    }
}
