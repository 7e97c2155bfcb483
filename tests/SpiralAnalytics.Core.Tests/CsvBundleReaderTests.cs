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

    private const string IssueHeader = "key,team_key,type,priority,status,status_category,resolution,story_points,assignee,epic_key,labels,created_at,resolved_at";

    private const string IssueRow = "ATL-1,ATL,Story,High,Done,done,Fixed,3,Ann,,a;b,2024-03-01,2024-03-10";

    private void WriteRaw(string file, string text) => File.WriteAllText(Path.Combine(_dir, file), text);

    private string OnlyError()
    {
        var result = Read();
        Assert.False(result.Succeeded);
        return Assert.Single(result.Problems.Errors).ToString();
    }

    [Fact]
    public void A_file_cut_in_the_middle_of_a_row_is_refused_at_that_row()
    {
        // the issue's reproduction: ORI-60 cut after the assignee's first letters; before, it read as a row with empty cells
        WriteRaw("issues.csv", $"{IssueHeader}\n{IssueRow}\nATL-2,ATL,Story,High,Done,done,Fixed,8,Sa");

        Assert.Equal("issues.csv:3: the file ends inside this row (no line break after it; 9 of 13 cells): was it cut short?", OnlyError());
    }

    [Fact]
    public void A_file_cut_at_a_cell_boundary_without_its_line_break_is_refused()
    {
        WriteRaw("issues.csv", $"{IssueHeader}\n{IssueRow}");

        Assert.Equal("issues.csv:2: the file ends inside this row (no line break after it): was it cut short?", OnlyError());
    }

    [Fact]
    public void A_short_or_long_row_is_an_error_naming_its_line_and_its_cells_are_not_judged()
    {
        Write("issues.csv", IssueHeader, IssueRow, "ATL-2,ATL,Story,High,Done,done,Fixed,3,Ann,,a;b,2024-03-01,2024-03-10,x,y,z", "ATL-3,ATL,Story");

        var errors = Read().Problems.Errors.Select(e => e.ToString()).ToList();

        Assert.Equal(
        [
            "issues.csv:3: the row has 16 cells; the header has 13 (an unquoted comma, or a missing or extra cell?)",
            "issues.csv:4: the row has 3 cells; the header has 13 (an unquoted comma, or a missing or extra cell?)",
        ], errors);
    }

    [Fact]
    public void An_unterminated_quote_is_an_error_at_the_line_it_opened_on()
    {
        Write("issues.csv", IssueHeader, IssueRow, "ATL-2,ATL,Story,High,Done,done,Fixed,3,\"Ann,,a;b,2024-03-01,2024-03-10");

        Assert.Equal("issues.csv:3: a quoted field is not closed before the end of the file", OnlyError());
    }

    [Fact]
    public void An_oversized_cell_is_located_with_its_column_before_anything_reaches_the_database()
    {
        Write("teams.csv", "key,name", "ATL,Atlas", new string('K', 1_000_000) + ",Huge");

        Assert.Equal("teams.csv:3: key: the cell is longer than 10000 characters", OnlyError());

        Write("teams.csv", "key,name", "ATL,Atlas", new string('K', 300) + ",Long");
        Assert.StartsWith("teams.csv:3: key: the cell is 300 characters long; at most 255 are allowed ('KKKK", OnlyError(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_NUL_in_a_cell_is_located()
    {
        Write("teams.csv", "key,name", "ATL,Atlas", "NUL,Nu\0ll");

        Assert.Equal("teams.csv:3: name: the cell holds a NUL character at position 3", OnlyError());
    }

    [Fact]
    public void Invalid_UTF8_names_the_line_even_far_into_a_large_file()
    {
        var lines = string.Concat(Enumerable.Range(2, 5000).Select(i => $"T{i},Team {i}\n"));
        var bytes = System.Text.Encoding.UTF8.GetBytes($"key,name\n{lines}").Concat(new byte[] { (byte)'B', (byte)',', 0xC3, 0x28, (byte)'\n' }).ToArray();
        File.WriteAllBytes(Path.Combine(_dir, "teams.csv"), bytes);

        Assert.Equal("teams.csv:5002: the file is not valid UTF-8 (byte 3 of the line): save it as UTF-8", OnlyError());
    }

    [Fact]
    public void A_header_with_an_empty_name_says_which_column()
    {
        Write("teams.csv", "key,,name", "ATL,x,Atlas");

        Assert.Equal("teams.csv:1: column 2 of the header has no name (every column needs one; is there a stray comma?)", OnlyError());
    }
}
