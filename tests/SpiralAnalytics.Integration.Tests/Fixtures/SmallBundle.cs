using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>A tiny bundle that puts rows in every analytics view (transitions, a reopen, blocks, comments, WIP).</summary>
public static class SmallBundle
{
    private static DateTimeOffset At(int day, int hour = 9) => new DateTimeOffset(2024, 3, 1, hour, 0, 0, TimeSpan.Zero).AddDays(day);

    /// <summary>
    /// Writes the bundle to a temp folder. <paramref name="extraIssues"/> > 0 gives a tenant more of everything
    /// (issues, a second sprint, comments, an earlier start), so two tenants' row counts differ in every view.
    /// </summary>
    public static string Write(int extraIssues = 0)
    {
        DateTimeOffset At(int day, int hour = 9) => SmallBundle.At(day - extraIssues, hour);
        var issues = new List<IssueRow>();
        var memberships = new List<MembershipRow>();
        var transitions = new List<TransitionRow>();
        for (var n = 1; n <= 4 + extraIssues; n++)
        {
            var key = $"SB-{n}";
            var done = n % 2 == 1;
            issues.Add(new IssueRow(key, "SB", n == 2 ? "Bug" : "Story", "High", done ? "Done" : "In Progress", done ? "done" : "in_progress",
                null, n, n == 4 ? null : "Ann", null, n == 2 ? ["production"] : [], At(-2), done ? At(8) : null));
            memberships.Add(new MembershipRow(n > 4 ? "SB-S2" : "SB-S1", key, null, null, null, null, n, n));
            transitions.Add(new TransitionRow(key, At(1), "To Do", "In Progress", "todo", "in_progress"));
            if (done)
            {
                transitions.Add(new TransitionRow(key, At(4), "In Progress", "Done", "in_progress", "done"));
                transitions.Add(new TransitionRow(key, At(5), "Done", "In Progress", "done", "in_progress"));
                transitions.Add(new TransitionRow(key, At(8), "In Progress", "Done", "in_progress", "done"));
            }
        }

        List<SprintRow> sprints = [new SprintRow("SB-S1", "SB", "Sprint 1", "closed", At(0, 0), At(13, 0), At(13, 0), null)];
        if (extraIssues > 0)
        {
            sprints.Add(new SprintRow("SB-S2", "SB", "Sprint 2", "closed", At(0, 0), At(13, 0), At(13, 0), null));
        }

        var bundle = new CsvBundle(
            [new TeamRow("SB", "Small Team")],
            sprints,
            issues, memberships, transitions,
            [new BlockRow("SB-1", At(2), At(3)), new BlockRow("SB-3", At(2), null)],
            [new CommentRow("SB-1", "Ann", At(2, 12)), new CommentRow("SB-4", "Bob", At(3, 12)),
             .. Enumerable.Range(5, extraIssues).Select(n => new CommentRow($"SB-{n}", "Cy", At(3, 12)))]);
        var dir = Directory.CreateTempSubdirectory("spiral-small-").FullName;
        CsvBundleWriter.Write(dir, bundle);
        return dir;
    }
}
