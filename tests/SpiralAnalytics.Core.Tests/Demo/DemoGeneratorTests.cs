using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Core.Tests.Demo;

/// <summary>The demo generator on its own: deterministic, a valid bundle, and the behaviours each team is meant to show.</summary>
public sealed class DemoGeneratorTests
{
    private static readonly DateOnly Today = new(2026, 3, 2);
    private static readonly DateTimeOffset Midnight = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<CsvBundle> Default = new(() => DemoGenerator.Generate(DemoOptions.ForToday(Today)));
    private static readonly Lazy<DemoBundleFacts> Facts = new(() => new DemoBundleFacts(Default.Value));

    private static CsvBundle Bundle => Default.Value;

    [Fact]
    public void The_same_seed_gives_an_identical_bundle()
    {
        var again = DemoGenerator.Generate(DemoOptions.ForToday(Today));

        Assert.Equal(Text(Bundle), Text(again));
    }

    [Fact]
    public void A_different_seed_or_day_gives_a_different_bundle()
    {
        var otherSeed = DemoGenerator.Generate(DemoOptions.ForToday(Today, seed: 43));
        var otherDay = DemoGenerator.Generate(DemoOptions.ForToday(Today.AddDays(1)));

        Assert.NotEqual(Text(Bundle), Text(otherSeed));
        Assert.NotEqual(Text(Bundle), Text(otherDay));
        // The keys stay the same, so seeding a tenant again updates it rather than adding to it.
        Assert.Equal(Bundle.Sprints.Select(s => s.Key), otherSeed.Sprints.Select(s => s.Key));
    }

    [Fact]
    public void The_bundle_passes_the_same_checks_as_an_imported_bundle()
    {
        var dir = Directory.CreateTempSubdirectory("spiral-demo-").FullName;
        try
        {
            CsvBundleWriter.Write(dir, Bundle);

            var read = CsvBundleReader.Read(dir, ExistingKeys.None);

            Assert.True(read.Succeeded, string.Join('\n', read.Problems.Errors));
            Assert.Empty(read.Problems.Warnings);
            Assert.Equal(Bundle.Issues.Count, read.Bundle!.Issues.Count);
            Assert.Equal(Bundle.Memberships.Count, read.Bundle.Memberships.Count);
            Assert.Equal(Bundle.Transitions.Count, read.Bundle.Transitions.Count);
            Assert.Equal(Bundle.Blocks.Count, read.Bundle.Blocks.Count);
            Assert.Equal(Bundle.Comments.Count, read.Bundle.Comments.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_default_is_five_teams_of_26_sprints_with_about_40_issues_a_sprint()
    {
        Assert.Equal(["ATL", "PHX", "ORI", "NOV", "VEG"], Bundle.Teams.Select(t => t.Key));
        Assert.Equal(["Atlas", "Phoenix", "Orion", "Nova", "Vega"], Bundle.Teams.Select(t => t.Name));
        Assert.All(Bundle.Sprints.GroupBy(s => s.TeamKey), g => Assert.Equal(26, g.Count()));
        Assert.InRange(Bundle.Issues.Count, 130 * 30, 130 * 50);
    }

    [Theory]
    [InlineData(131, new[] { 27, 26, 26, 26, 26 })]
    [InlineData(5, new[] { 1, 1, 1, 1, 1 })]
    [InlineData(1003, new[] { 201, 201, 201, 200, 200 })]
    public void Sprints_are_the_total_shared_out_across_the_teams(int sprints, int[] perTeam)
    {
        var bundle = DemoGenerator.Generate(DemoOptions.ForToday(Today, sprints));

        Assert.Equal(perTeam, bundle.Teams.Select(t => bundle.Sprints.Count(s => s.TeamKey == t.Key)));
        Assert.All(bundle.Teams, t => Assert.Single(bundle.Sprints, s => s.TeamKey == t.Key && s.State == "active"));
    }

    [Fact]
    public void Each_team_has_two_week_sprints_back_to_back_and_exactly_one_active_sprint_that_contains_today()
    {
        foreach (var team in Bundle.Sprints.GroupBy(s => s.TeamKey))
        {
            var sprints = team.OrderBy(s => s.StartAt).ToList();
            var active = Assert.Single(sprints, s => s.State == "active");
            Assert.Same(sprints[^1], active);
            Assert.Null(active.CompletedAt);
            Assert.InRange(Midnight, active.StartAt!.Value.AddDays(5), active.EndAt!.Value);
            for (var i = 0; i < sprints.Count; i++)
            {
                Assert.Equal(TimeSpan.FromDays(14), sprints[i].EndAt - sprints[i].StartAt);
                if (i > 0)
                {
                    Assert.Equal(sprints[i - 1].EndAt, sprints[i].StartAt);
                    Assert.Equal("closed", sprints[i - 1].State);
                    Assert.InRange(sprints[i - 1].CompletedAt!.Value, sprints[i - 1].EndAt!.Value.AddHours(-3), sprints[i].StartAt!.Value);
                }
            }
        }
    }

    [Fact]
    public void Scope_changes_mid_sprint_added_removed_re_added_and_re_estimated()
    {
        var sprints = Bundle.Sprints.ToDictionary(s => s.Key);
        var memberships = Bundle.Memberships;

        var added = memberships.Where(m => m.AddedAt > sprints[m.SprintKey].StartAt).ToList();
        var removed = memberships.Where(m => m.RemovedAt is not null).ToList();
        var readded = memberships.GroupBy(m => (m.SprintKey, m.IssueKey)).Where(g => g.Count() == 2).ToList();
        var reestimated = memberships.Where(m => m.PointsAtStart is not null && m.PointsAtEnd is not null && m.PointsAtStart != m.PointsAtEnd).ToList();
        var unestimatedCommitted = memberships.Where(m => m.AddedAt <= sprints[m.SprintKey].StartAt && m.PointsAtStart is null).ToList();

        Assert.True(added.Count > 130, $"{added.Count} mid-sprint additions");
        Assert.True(removed.Count > 20, $"{removed.Count} removals");
        Assert.True(readded.Count > 5, $"{readded.Count} issues removed and added back in the same sprint");
        Assert.All(readded, g =>
        {
            var (first, second) = (g.OrderBy(m => m.AddedAt).First(), g.OrderBy(m => m.AddedAt).Last());
            Assert.NotNull(first.RemovedAt);
            Assert.True(second.AddedAt > first.RemovedAt);
            Assert.Null(second.RemovedAt);
        });
        Assert.All(removed, m => Assert.InRange(m.RemovedAt!.Value, m.AddedAt!.Value, sprints[m.SprintKey].CompletedAt ?? Midnight));
        Assert.True(reestimated.Count > 100, $"{reestimated.Count} re-estimates");
        Assert.True(unestimatedCommitted.Count > 30, $"{unestimatedCommitted.Count} unestimated committed issues");
        Assert.All(memberships, m => Assert.Null(m.Committed));
        Assert.All(memberships, m => Assert.Null(m.Outcome));
    }

    [Fact]
    public void Unfinished_work_is_carried_into_the_teams_next_sprint_as_committed()
    {
        var sprints = Bundle.Sprints.ToDictionary(s => s.Key);
        var next = Bundle.Sprints.GroupBy(s => s.TeamKey)
            .SelectMany(g => g.OrderBy(s => s.StartAt).Zip(g.OrderBy(s => s.StartAt).Skip(1)))
            .ToDictionary(p => p.First.Key, p => p.Second);
        var facts = Facts.Value;
        var carried = 0;
        foreach (var m in Bundle.Memberships.Where(m => m.RemovedAt is null && sprints[m.SprintKey].State == "closed"))
        {
            var close = sprints[m.SprintKey].CompletedAt!.Value;
            if (facts.CategoryAt(m.IssueKey, close) == "done")
            {
                continue;
            }

            var following = Bundle.Memberships.SingleOrDefault(n => n.SprintKey == next[m.SprintKey].Key && n.IssueKey == m.IssueKey && n.AddedAt == close);
            if (following is not null)
            {
                carried++;
                Assert.True(following.AddedAt <= next[m.SprintKey].StartAt);
            }
        }

        Assert.True(carried > 200, $"{carried} carried over");
    }

    [Fact]
    public void Transitions_are_consistent_with_statuses_resolution_and_the_timeline()
    {
        var byIssue = Bundle.Transitions.GroupBy(t => t.IssueKey).ToDictionary(g => g.Key, g => g.ToList());
        var categories = new Dictionary<string, string> { ["To Do"] = "todo", ["In Progress"] = "in_progress", ["In Review"] = "in_progress", ["Done"] = "done" };
        foreach (var issue in Bundle.Issues)
        {
            var moves = byIssue.GetValueOrDefault(issue.Key) ?? [];
            var status = "To Do";
            var at = issue.CreatedAt!.Value;
            foreach (var move in moves)
            {
                Assert.True(move.At > at, $"{issue.Key}: {move.At} is not after {at}");
                Assert.Equal(status, move.FromStatus);
                Assert.Equal(categories[move.FromStatus!], move.FromCategory);
                Assert.Equal(categories[move.ToStatus], move.ToCategory);
                Assert.True(move.At < Midnight);
                (status, at) = (move.ToStatus, move.At);
            }

            Assert.Equal(status, issue.Status);
            Assert.Equal(categories[status], issue.StatusCategory);
            Assert.Equal(status == "Done" ? at : null, issue.ResolvedAt);
            Assert.Equal(status == "Done" ? "Done" : null, issue.Resolution);
        }

        Assert.All(Bundle.Comments, c => Assert.True(c.CreatedAt < Midnight));
        Assert.All(Bundle.Blocks, b => Assert.True(b.BlockedTo is null || b.BlockedTo < Midnight));
        Assert.Equal(["Done", "In Progress", "In Review", "To Do"], Bundle.Issues.Select(i => i.Status!).Distinct().Order());
    }

    [Fact]
    public void Work_moves_only_inside_sprint_windows_so_derived_outcomes_match_what_happened()
    {
        var facts = Facts.Value;
        var sprints = Bundle.Sprints.ToDictionary(s => s.Key);
        foreach (var m in Bundle.Memberships.Where(m => m.RemovedAt is null && sprints[m.SprintKey].State == "closed"))
        {
            var sprint = sprints[m.SprintKey];
            // Nothing changes between the close and the next start: done at close means done in the sprint or before it.
            Assert.True(facts.CategoryAt(m.IssueKey, sprint.CompletedAt!.Value) == facts.CategoryAt(m.IssueKey, sprint.EndAt!.Value),
                $"{m.SprintKey} {m.IssueKey} {sprint.CompletedAt:o} {sprint.EndAt:o}: " + string.Join(", ", Bundle.Transitions.Where(t => t.IssueKey == m.IssueKey).Select(t => $"{t.At:o} {t.ToStatus}")));
        }

        var completed = facts.Sprints.Sum(s => s.Completed);
        var notCompleted = facts.Sprints.Sum(s => s.NotCompleted);
        Assert.True(completed > 3 * notCompleted, $"{completed} completed, {notCompleted} not completed");
        Assert.True(facts.Sprints.Sum(s => s.Removed) > 20);
    }

    [Fact]
    public void Phoenix_spills_over_more_than_Atlas()
    {
        var facts = Facts.Value;
        var atlas = Mean(facts.ClosedSprintsOf("ATL").Select(s => s.Spillover ?? 0));
        var phoenix = Mean(facts.ClosedSprintsOf("PHX").Select(s => s.Spillover ?? 0));

        Assert.True(phoenix > 0.25m, $"Phoenix {phoenix:0.00}");
        Assert.True(atlas < 0.15m, $"Atlas {atlas:0.00}");
    }

    [Fact]
    public void Orions_blocked_hours_grow_over_time()
    {
        var sprints = Facts.Value.ClosedSprintsOf("ORI").ToList();
        var third = sprints.Count / 3;
        var first = sprints.Take(third).Sum(s => s.BlockedHours);
        var last = sprints.TakeLast(third).Sum(s => s.BlockedHours);

        Assert.True(last > 3 * first, $"first third {first:0} h, last third {last:0} h");
        Assert.Contains(Bundle.Blocks.Where(b => b.IssueKey.StartsWith("ORI-", StringComparison.Ordinal)).GroupBy(b => b.IssueKey), g => Overlap(g.ToList()));
    }

    [Fact]
    public void Novas_reopen_rate_rises_and_other_teams_reopen_now_and_then()
    {
        var sprints = Facts.Value.ClosedSprintsOf("NOV").ToList();
        decimal Rate(IEnumerable<SprintFacts> s) => (decimal)s.Sum(x => x.Reopened) / s.Sum(x => x.DoneArrivals);
        var earlier = Rate(sprints.Take(sprints.Count / 2));
        var later = Rate(sprints.Skip(sprints.Count / 2));

        Assert.True(later > 2 * earlier, $"earlier {earlier:0.000}, later {later:0.000}");
        Assert.All(["ATL", "PHX", "ORI", "VEG"], team => Assert.InRange(Rate(Facts.Value.ClosedSprintsOf(team)), 0.005m, 0.1m));
    }

    [Fact]
    public void Bugs_some_labelled_production_epics_referenced_and_several_assignees_per_team()
    {
        var bugs = Bundle.Issues.Where(i => i.Type == "Bug").ToList();
        var epics = Bundle.Issues.Where(i => i.Type == "Epic").Select(i => i.Key).ToHashSet();
        var referenced = Bundle.Issues.Where(i => i.EpicKey is not null).ToList();

        Assert.InRange(bugs.Count, Bundle.Issues.Count / 10, Bundle.Issues.Count / 3);
        Assert.InRange(bugs.Count(b => b.Labels.Contains("production")), bugs.Count / 5, bugs.Count / 2);
        Assert.DoesNotContain(Bundle.Issues, i => i.Type != "Bug" && i.Labels.Contains("production"));
        Assert.True(epics.Count >= 5 * 6, $"{epics.Count} epics");
        Assert.True(referenced.Count > Bundle.Issues.Count / 3);
        Assert.All(referenced, i => Assert.Contains(i.EpicKey!, epics));
        Assert.All(referenced, i => Assert.Equal(i.Key[..3], i.EpicKey![..3]));
        Assert.DoesNotContain(Bundle.Memberships, m => epics.Contains(m.IssueKey));
        Assert.All(Bundle.Issues.GroupBy(i => i.TeamKey), g => Assert.True(g.Select(i => i.Assignee).OfType<string>().Distinct().Count() >= 4));
        Assert.Contains(Bundle.Issues, i => i.Labels.Count == 2);
    }

    [Fact]
    public void The_active_sprints_have_work_in_progress_some_stuck_for_5_days_and_some_unassigned()
    {
        var active = Bundle.Sprints.Where(s => s.State == "active").ToDictionary(s => s.Key);
        var inProgress = Bundle.Memberships.Where(m => active.ContainsKey(m.SprintKey) && m.RemovedAt is null)
            .Join(Bundle.Issues, m => m.IssueKey, i => i.Key, (m, i) => (Sprint: m.SprintKey, Issue: i))
            .Where(x => x.Issue.StatusCategory == "in_progress")
            .ToList();
        var lastActivity = Bundle.Transitions.Select(t => (t.IssueKey, t.At)).Concat(Bundle.Comments.Select(c => (c.IssueKey, At: c.CreatedAt)))
            .GroupBy(x => x.IssueKey).ToDictionary(g => g.Key, g => g.Max(x => x.At));

        Assert.All(active.Keys, sprint => Assert.True(inProgress.Count(x => x.Sprint == sprint) >= 5, $"{sprint}: in progress"));
        Assert.All(active.Keys, sprint => Assert.True(
            inProgress.Count(x => x.Sprint == sprint && lastActivity[x.Issue.Key] <= Midnight.AddDays(-5)) >= 2, $"{sprint}: stuck"));
        Assert.All(active.Keys, sprint => Assert.Contains(inProgress, x => x.Sprint == sprint && x.Issue.Assignee is null));
        Assert.Contains(Bundle.Issues, i => i.StatusCategory == "done" && Bundle.Memberships.Any(m => active.ContainsKey(m.SprintKey) && m.IssueKey == i.Key));
        Assert.Contains(Bundle.Blocks, b => b.BlockedTo is null);
    }

    [Theory]
    [InlineData(0, "--sprints must be at least 5 (one sprint per team), got 0")]
    [InlineData(4, "--sprints must be at least 5 (one sprint per team), got 4")]
    [InlineData(50_001, "--sprints must be at most 50000, got 50001")]
    public void Too_few_or_too_many_sprints_are_a_user_error(int sprints, string message)
    {
        var error = Assert.Throws<UserErrorException>(() => DemoGenerator.Generate(DemoOptions.ForToday(Today, sprints)));

        Assert.Equal(message, error.Message);
    }

    private static decimal Mean(IEnumerable<decimal> values) => values.Average();

    private static bool Overlap(List<BlockRow> blocks) =>
        blocks.OrderBy(b => b.BlockedFrom).Zip(blocks.OrderBy(b => b.BlockedFrom).Skip(1)).Any(p => p.First.BlockedTo is not { } to || to > p.Second.BlockedFrom);

    /// <summary>The bundle as its CSV text, file by file: two bundles are the same exactly when these are.</summary>
    private static string Text(CsvBundle bundle)
    {
        var dir = Directory.CreateTempSubdirectory("spiral-demo-text-").FullName;
        try
        {
            CsvBundleWriter.Write(dir, bundle);
            return string.Join("\n--\n", Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllText));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
