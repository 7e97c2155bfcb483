using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests;

/// <summary><c>spiral import csv</c> / <c>export csv</c> on the real Jira sprint-report bundle and on broken copies of it.</summary>
public sealed class BundleImportTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await server.DatabaseAsync(nameof(BundleImportTests));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(string Slug, Guid Id)> NewTenantAsync()
    {
        var slug = TestData.NewSlug("imp");
        return (slug, await TestData.CreateTenantAsync(_db, slug));
    }

    [Fact]
    public async Task Importing_the_Jira_sprint_reports_gives_4_teams_238_sprints_3431_issues_4678_memberships()
    {
        var (slug, _) = await NewTenantAsync();
        var run = await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);

        Assert.Equal(0, run.ExitCode);
        var exported = await ExportAsync(slug);
        Assert.Equal(4, exported.Teams.Count);
        Assert.Equal(238, exported.Sprints.Count);
        Assert.Equal(3431, exported.Issues.Count);
        Assert.Equal(4678, exported.Memberships.Count);
        Assert.Matches(@"sprint_issues\s+4678 rows: 4678 new, 0 updated, 0 unchanged", run.Out);
    }

    [Fact]
    public async Task Unreadable_estimate_snapshots_in_the_real_data_are_warnings_with_their_line()
    {
        var (slug, _) = await NewTenantAsync();
        var run = await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("sprint_issues.csv:3022: points_at_start 'kaysoky' is not a number; read as empty", run.Error);
        var membership = (await ExportAsync(slug)).Memberships.Single(m => m.SprintKey == "MESOS-S566" && m.IssueKey == "MESOS-9971");
        Assert.Null(membership.PointsAtStart);
        Assert.Equal(1m, membership.PointsAtEnd);
    }

    [Fact]
    public async Task Importing_the_same_bundle_again_changes_nothing()
    {
        var (slug, id) = await NewTenantAsync();
        Assert.Equal(0, (await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug)).ExitCode);
        var before = await TestData.FingerprintAsync(_db, id);

        var again = await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);

        Assert.Equal(0, again.ExitCode);
        Assert.Contains("(nothing changed)", again.Out);
        Assert.Equal(before, await TestData.FingerprintAsync(_db, id));
    }

    [Fact]
    public async Task Export_then_import_round_trips_identically()
    {
        var (first, _) = await NewTenantAsync();
        var (second, _) = await NewTenantAsync();
        await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", first);
        var exportA = Directory.CreateTempSubdirectory("spiral-export-").FullName;
        var exportB = Directory.CreateTempSubdirectory("spiral-export-").FullName;

        Assert.Equal(0, (await TestData.CliAsync(_db, "export", "csv", exportA, "--tenant", first)).ExitCode);
        Assert.Equal(0, (await TestData.CliAsync(_db, "import", "csv", exportA, "--tenant", second)).ExitCode);
        Assert.Equal(0, (await TestData.CliAsync(_db, "export", "csv", exportB, "--tenant", second)).ExitCode);

        foreach (var file in Directory.GetFiles(exportA).Select(Path.GetFileName))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(exportA, file!)), File.ReadAllText(Path.Combine(exportB, file!)));
        }

        Assert.Equal(7, Directory.GetFiles(exportA).Length);
    }

    [Fact]
    public async Task The_export_holds_exactly_what_the_source_bundle_says()
    {
        var (slug, _) = await NewTenantAsync();
        await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);
        var source = CsvBundleReader.Read(RepoPaths.JiraSprintReports, ExistingKeys.None).Bundle!;
        var exported = await ExportAsync(slug);

        static string Lines<T>(IEnumerable<T> rows, Func<T, string> line) => string.Join('\n', rows.Select(line).Order(StringComparer.Ordinal));

        Assert.Equal(Lines(source.Teams, t => $"{t.Key}|{t.Name}"), Lines(exported.Teams, t => $"{t.Key}|{t.Name}"));
        Assert.Equal(Lines(source.Sprints, Sprint), Lines(exported.Sprints, Sprint));
        Assert.Equal(Lines(source.Issues, Issue), Lines(exported.Issues, Issue));
        Assert.Equal(Lines(source.Memberships, Membership), Lines(exported.Memberships, Membership));

        static string Sprint(SprintRow s) => $"{s.Key}|{s.TeamKey}|{s.Name}|{s.State}|{s.StartAt:O}|{s.EndAt:O}|{s.CompletedAt:O}|{s.Goal}";
        static string Issue(IssueRow i) =>
            $"{i.Key}|{i.TeamKey}|{i.Type}|{i.Priority}|{i.Status}|{i.StatusCategory}|{i.Resolution}|{CellFormat.FormatDecimal(i.StoryPoints)}|{i.Assignee}|{i.EpicKey}|{string.Join(';', i.Labels)}";
        static string Membership(MembershipRow m) =>
            $"{m.SprintKey}|{m.IssueKey}|{m.AddedAt:O}|{m.RemovedAt:O}|{m.Committed}|{m.Outcome}|{CellFormat.FormatDecimal(m.PointsAtStart)}|{CellFormat.FormatDecimal(m.PointsAtEnd)}";
    }

    [Fact]
    public async Task A_newer_bundle_updates_what_changed_and_only_that()
    {
        var (slug, _) = await NewTenantAsync();
        await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);
        var newer = TestData.CopyBundle(RepoPaths.JiraSprintReports, "issues.csv",
            lines => [.. lines.Select(l => l.StartsWith("XD-7,", StringComparison.Ordinal) ? l.Replace(",Mark Pollack,", ",Ann Lee,", StringComparison.Ordinal) : l)]);

        var run = await TestData.CliAsync(_db, "import", "csv", newer, "--tenant", slug);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"issues\s+3431 rows: 0 new, 1 updated, 3430 unchanged", run.Out);
        Assert.Equal("Ann Lee", (await ExportAsync(slug)).Issues.Single(i => i.Key == "XD-7").Assignee);
    }

    public static TheoryData<string, string, string> BrokenBundles() => new()
    {
        { "issues.csv", "drop-column:status_category", "issues.csv:1: required column 'status_category' is missing" },
        { "sprints.csv", "replace:14:2014-12-20:2024-13-01", "sprints.csv:14: end_at '2024-13-01' is not a date" },
        { "sprint_issues.csv", "replace:20:XD-S3,:NOPE-S1,", "sprint_issues.csv:20: sprint_key 'NOPE-S1' is not a sprint of this bundle or tenant" },
        { "issues.csv", "duplicate:2", "issues.csv:3433: duplicate key 'XD-6' (first on line 2)" },
        { "sprints.csv", "replace:5:,closed,:,open,", "sprints.csv:5: state 'open' is not one of future, active, closed" },
        { "issues.csv", "replace:2:,3,David:,three,David", "issues.csv:2: story_points 'three' is not a number" },
        { "sprint_issues.csv", "replace:2:,,,,completed,:,,,maybe,completed,", "sprint_issues.csv:2: committed 'maybe' is not a boolean (true or false)" },
        { "teams.csv", "delete-file", "teams.csv: the file is missing" },
        { "issues.csv", "replace:4:XD-8,XD,Story:XD-8,XD,\"Story", "issues.csv:4: type: a quoted cell that starts on this line runs past 10000 characters (is its closing quote missing?)" },
    };

    [Theory]
    [MemberData(nameof(BrokenBundles))]
    public async Task A_broken_bundle_is_rejected_with_a_located_error_and_the_tenant_is_unchanged(string file, string breakage, string expected)
    {
        var (slug, id) = await NewTenantAsync();
        await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", slug);
        var before = await TestData.FingerprintAsync(_db, id);
        var broken = Break(file, breakage);

        var run = await TestData.CliAsync(_db, "import", "csv", broken, "--tenant", slug);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("nothing was imported", run.Error);
        Assert.Contains(expected, run.Error);
        Assert.Equal(before, await TestData.FingerprintAsync(_db, id));
    }

    [Fact]
    public async Task Importing_into_an_unknown_tenant_is_a_user_error()
    {
        var run = await TestData.CliAsync(_db, "import", "csv", RepoPaths.JiraSprintReports, "--tenant", "no-such-tenant");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("tenant 'no-such-tenant' does not exist", run.Error);
    }

    private static string Break(string file, string breakage)
    {
        var parts = breakage.Split(':');
        if (parts[0] == "delete-file")
        {
            var copy = TestData.CopyBundle(RepoPaths.JiraSprintReports);
            File.Delete(Path.Combine(copy, file));
            return copy;
        }

        return TestData.CopyBundle(RepoPaths.JiraSprintReports, file, lines => parts[0] switch
        {
            "drop-column" => DropColumn(lines, parts[1]),
            "duplicate" => [.. lines, lines[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) - 1]],
            "replace" => Replace(lines, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]),
            _ => throw new ArgumentException(breakage),
        });
    }

    private static List<string> Replace(List<string> lines, int line, string from, string to)
    {
        Assert.Contains(from, lines[line - 1]);
        lines[line - 1] = lines[line - 1].Replace(from, to, StringComparison.Ordinal);
        return lines;
    }

    private static List<string> DropColumn(List<string> lines, string column)
    {
        var index = lines[0].Split(',').ToList().IndexOf(column);
        return [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != index)))];
    }

    private async Task<CsvBundle> ExportAsync(string slug)
    {
        using var host = _db.BuildHost();
        var exporter = (SpiralAnalytics.Infrastructure.Bundles.BundleExporter)host.Services.GetService(typeof(SpiralAnalytics.Infrastructure.Bundles.BundleExporter))!;
        return await exporter.ReadAsync(slug, TestContext.Current.CancellationToken);
    }
}
