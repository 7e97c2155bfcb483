using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Core.Tests;

/// <summary>The bundle checks that need no database, on small bundles written per test.</summary>
public sealed class CsvBundleReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spiral-core-bundle-").FullName;

    public CsvBundleReaderTests()
    {
        Write("teams.csv", "key,name", "ATL,Atlas");
        Write("sprints.csv", "key,team_key,name,state,start_at,end_at,completed_at,goal", "ATL-S1,ATL,Sprint 1,closed,2024-03-04,2024-03-15,2024-03-15,");
        Write("issues.csv", "key,team_key,type,priority,status,status_category,resolution,story_points,assignee,epic_key,labels,created_at,resolved_at",
            "ATL-1,ATL,Story,High,Done,done,Fixed,3,Ann,,a;b,2024-03-01,2024-03-10");
        Write("sprint_issues.csv", "sprint_key,issue_key,added_at,removed_at,committed,outcome,points_at_start,points_at_end", "ATL-S1,ATL-1,,,,,3,5");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string file, params string[] lines) => File.WriteAllLines(Path.Combine(_dir, file), lines);

    private BundleReadResult Read(ExistingKeys? existing = null) => CsvBundleReader.Read(_dir, existing ?? ExistingKeys.None);

    [Fact]
    public void A_good_bundle_reads_into_typed_rows()
    {
        var result = Read();

        Assert.True(result.Succeeded, string.Join('\n', result.Problems.Errors));
        var issue = Assert.Single(result.Bundle!.Issues);
        Assert.Equal(["a", "b"], issue.Labels);
        Assert.Equal(3m, issue.StoryPoints);
        Assert.Equal("done", issue.StatusCategory);
        Assert.Empty(result.Bundle.Transitions);
    }

    [Fact]
    public void Unknown_columns_are_ignored_with_a_warning()
    {
        Write("teams.csv", "key,name,colour", "ATL,Atlas,blue");

        var result = Read();

        Assert.True(result.Succeeded);
        Assert.Contains("teams.csv: unknown column 'colour' is ignored", result.Problems.Warnings);
    }

    [Fact]
    public void Enumerations_match_case_insensitively_and_are_stored_canonically()
    {
        Write("sprints.csv", "key,team_key,name,state", "ATL-S1,ATL,Sprint 1,Closed");

        Assert.Equal("closed", Read().Bundle!.Sprints.Single().State);
    }

    [Fact]
    public void An_empty_required_cell_is_located()
    {
        Write("issues.csv", "key,team_key,type,status_category", "ATL-1,ATL,,done");

        var error = Assert.Single(Read().Problems.Errors);

        Assert.Equal("issues.csv:2: type is required", error.ToString());
        Assert.Equal("type", error.Column);
    }

    [Fact]
    public void A_block_that_ends_before_it_starts_is_rejected()
    {
        Write("blocks.csv", "issue_key,blocked_from,blocked_to", "ATL-1,2024-03-05,2024-03-04");

        Assert.Equal("blocks.csv:2: blocked_to '2024-03-04' is before blocked_from '2024-03-05'", Assert.Single(Read().Problems.Errors).ToString());
    }

    [Fact]
    public void References_may_point_at_keys_the_tenant_already_has()
    {
        Write("sprint_issues.csv", "sprint_key,issue_key", "ATL-S1,ATL-1", "ATL-S0,OLD-9");

        Assert.False(Read().Succeeded);
        Assert.True(Read(new ExistingKeys(new HashSet<string>(), new HashSet<string> { "ATL-S0" }, new HashSet<string> { "OLD-9" })).Succeeded);
    }

    [Fact]
    public void A_removed_and_re_added_issue_is_two_memberships_but_the_same_one_twice_is_a_duplicate()
    {
        Write("sprint_issues.csv", "sprint_key,issue_key,added_at,removed_at", "ATL-S1,ATL-1,,2024-03-06", "ATL-S1,ATL-1,2024-03-08,");
        Assert.True(Read().Succeeded);

        Write("sprint_issues.csv", "sprint_key,issue_key,added_at", "ATL-S1,ATL-1,2024-03-08", "ATL-S1,ATL-1,2024-03-08");
        Assert.Equal("sprint_issues.csv:3: duplicate key 'ATL-S1 / ATL-1 / 2024-03-08' (first on line 2)", Assert.Single(Read().Problems.Errors).ToString());
    }

    [Fact]
    public void Errors_are_capped_but_counted()
    {
        Write("issues.csv", ["key,type,status_category", .. Enumerable.Range(0, 300).Select(i => $"X-{i},Story,nope")]);

        var problems = Read().Problems;

        Assert.Equal(BundleProblems.MaxErrors, problems.Errors.Count);
        Assert.True(problems.ErrorCount >= 300);
    }

    [Fact]
    public void Written_bundles_read_back_to_the_same_rows()
    {
        var original = Read().Bundle!;
        var copy = Directory.CreateTempSubdirectory("spiral-core-copy-").FullName;
        CsvBundleWriter.Write(copy, original);

        var back = CsvBundleReader.Read(copy, ExistingKeys.None).Bundle!;

        Assert.Equal(original.Sprints, back.Sprints);
        Assert.Equal(original.Memberships, back.Memberships);
        Assert.Equal(original.Issues.Single() with { Labels = [] }, back.Issues.Single() with { Labels = [] });
        Assert.Equal(original.Issues.Single().Labels, back.Issues.Single().Labels);
        Directory.Delete(copy, recursive: true);
    }
}
