using System.Text.Json.Nodes;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary><c>spiral query</c>: table and JSON output, stdin, the schema, and exit codes 1 and 2.</summary>
public sealed class QueryCliTests(PostgresServer server)
{
    private static string SpecFile(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spiral-spec-").FullName, "spec.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Query_prints_an_aligned_table_the_metric_versions_and_the_default_window_warning()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        var run = await TestData.CliAsync(seeded.Db, "query", "--spec", SpecFile("""{"metrics":["completed_issues","spillover_ratio"],"group_by":["team"]}"""),
            "--tenant", seeded.Slug, "--as-of", "2024-04-25");
        Assert.True(run.ExitCode == 0, run.Error);
        var all = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("I read this as: issues completed and spillover ratio per team, each team's last 6 closed sprints (the default window)", all[0]);
        Assert.Matches("^[A-Z][a-z]+ had the most issues completed: [0-9]+ issues; [A-Z][a-z]+ the fewest: [0-9]+ issues \\(of 3 teams\\)\\.$", all[1]);
        var lines = all.Skip(2).ToArray();
        Assert.Matches("^team +completed_issues +spillover_ratio$", lines[0]);
        Assert.Equal(["Atlas", "Orion", "Phoenix"], lines.Skip(1).Take(3).Select(l => l.Split(' ')[0]));
        Assert.Equal(lines[0].IndexOf("completed_issues", StringComparison.Ordinal), lines[1].IndexOf(lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], 5, StringComparison.Ordinal));
        Assert.Contains("3 row(s) as of 2024-04-25T00:00:00Z; metrics completed_issues 1.0.0, spillover_ratio 1.1.0", run.Out, StringComparison.Ordinal);
        Assert.Contains("warning: default time window applied: last 6 closed sprints per team", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_json_from_stdin_is_the_result_object()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpiralAnalytics.Cli.SpiralCli.RunAsync(
            ["query", "--spec", "-", "--tenant", seeded.Slug, "--as-of", "2024-04-25T00:00:00Z", "--json"], stdout, stderr, seeded.Db.Configuration,
            TestContext.Current.CancellationToken,
            new StringReader("""{"metrics":["velocity@1.0.0"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["atl"]}],"time":{"type":"last_sprints","n":2}}"""));
        Assert.True(code == 0, stderr.ToString());
        var result = JsonNode.Parse(stdout.ToString())!.AsObject();
        Assert.Null(result["question"]);
        Assert.True(result.ContainsKey("question"));
        Assert.Equal("""{"metrics":["velocity@1.0.0"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":2}}""",
            result["spec"]!.ToJsonString());
        Assert.Equal("2024-04-25T00:00:00Z", result["as_of"]!.GetValue<string>());
        // sprint-grain rows: the metric's z-score, baseline and anomaly flag follow the value columns
        Assert.Equal("""[{"name":"sprint","kind":"dimension"},{"name":"sprint_key","kind":"dimension"},{"name":"velocity","kind":"metric","unit":"points","version":"1.0.0","layer":"shipped"},""" +
                     """{"name":"velocity__z","kind":"zscore","unit":"sigma","version":"1.0.0","layer":"shipped"},{"name":"velocity__baseline","kind":"baseline","unit":"points","version":"1.0.0","layer":"shipped"},""" +
                     """{"name":"velocity__anomaly","kind":"flag","version":"1.0.0","layer":"shipped"}]""",
            result["columns"]!.ToJsonString());
        var rows = result["rows"]!.AsArray();
        Assert.Equal(["ATL-S7", "ATL-S8"], rows.Select(r => r!["sprint_key"]!.GetValue<string>()));
        Assert.Equal("1.0.0", result["metric_versions"]!["velocity"]!.GetValue<string>());
        Assert.Contains("$1", result["sql"]!.GetValue<string>(), StringComparison.Ordinal);
        // the answer cache (issue 16): another test may have asked this spec first
        var cache = result["cache"]!.GetValue<string>();
        Assert.Contains(cache, new[] { "miss", "hit" });
        Assert.Empty(result["warnings"]!.AsArray());
        Assert.NotNull(result["timings_ms"]!["plan"]);
        Assert.NotNull(result["timings_ms"]![cache == "miss" ? "execute" : "cache"]);

        // the same spec again: served from the cache, the same answer
        stdout = new StringWriter();
        code = await SpiralAnalytics.Cli.SpiralCli.RunAsync(
            ["query", "--spec", "-", "--tenant", seeded.Slug, "--as-of", "2024-04-25T00:00:00Z", "--json"], stdout, stderr, seeded.Db.Configuration,
            TestContext.Current.CancellationToken,
            new StringReader("""{"metrics":["velocity@1.0.0"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["atl"]}],"time":{"type":"last_sprints","n":2}}"""));
        Assert.True(code == 0, stderr.ToString());
        var again = JsonNode.Parse(stdout.ToString())!.AsObject();
        Assert.Equal("hit", again["cache"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(result["rows"], again["rows"]));
        Assert.Equal(result["sql"]!.GetValue<string>(), again["sql"]!.GetValue<string>());
        Assert.NotNull(again["timings_ms"]!["cache"]);
    }

    [Fact]
    public async Task An_invalid_spec_exits_1_with_each_typed_error_on_its_own_line()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        var run = await TestData.CliAsync(seeded.Db, "query", "--spec",
            SpecFile("""{"metrics":["spilover"],"group_by":["teams"],"limit":0}"""), "--tenant", seeded.Slug);
        Assert.Equal(1, run.ExitCode);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("metrics[0]: 'spilover' is not an active metric; did you mean 'spillover_ratio'?", lines);
        Assert.Contains(lines, l => l.StartsWith("group_by[0]: 'teams' is not a dimension; did you mean 'team'?", StringComparison.Ordinal));
        Assert.Contains("limit: 0 is out of range: allowed 1 to 1000", lines);
    }

    [Fact]
    public async Task Invalid_json_an_unknown_tenant_and_an_unknown_filter_value_exit_1()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        var json = await TestData.CliAsync(seeded.Db, "query", "--spec", SpecFile("""{"metrics": ["velocity"]"""), "--tenant", seeded.Slug);
        Assert.Equal(1, json.ExitCode);
        Assert.Contains("spec: not valid JSON", json.Error, StringComparison.Ordinal);
        var tenant = await TestData.CliAsync(seeded.Db, "query", "--spec", SpecFile("""{"metrics":["velocity"]}"""), "--tenant", "no-such-tenant");
        Assert.Equal(1, tenant.ExitCode);
        var value = await TestData.CliAsync(seeded.Db, "query", "--spec",
            SpecFile("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["Atlsa"]}]}"""), "--tenant", seeded.Slug);
        Assert.Equal(1, value.ExitCode);
        Assert.Contains("filters[0].values[0]: 'Atlsa' is not a known team; did you mean 'Atlas'?", value.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_spec_is_a_usage_error_and_schema_needs_no_database()
    {
        var usage = await TestData.CliAsync((TestDatabase?)null, "query", "--tenant", "x");
        Assert.Equal(2, usage.ExitCode);
        var schema = await TestData.CliAsync((TestDatabase?)null, "query", "--schema");
        Assert.Equal(0, schema.ExitCode);
        var parsed = JsonNode.Parse(schema.Out)!;
        Assert.Equal("AnalyticsSpec v1", parsed["title"]!.GetValue<string>());
    }
}
