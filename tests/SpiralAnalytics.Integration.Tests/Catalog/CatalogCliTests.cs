using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>The catalog commands' output and exit codes (CLI.md: 0 success, 1 user error, 2 usage).</summary>
public sealed class CatalogCliTests(PostgresServer server)
{
    private Task<TestDatabase> DatabaseAsync() => server.OnceAsync("catalog-cli", () => CatalogFixture.ImportedAsync(server, "cat_cli"));

    [Fact]
    public async Task Validate_accepts_the_shipped_catalog_without_a_database()
    {
        var run = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null, "catalog", "validate", CatalogFixture.Folder);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{CatalogFixture.Folder}: 37 metrics (37 active), no problems\n", run.Out);
    }

    [Fact]
    public async Task Validate_prints_every_problem_with_file_and_line_and_exits_1()
    {
        var (folder, file) = CatalogFixture.CopyWith("say_do_ratio", t => t
            .Replace("type: ratio", "type: rate", StringComparison.Ordinal)
            .Replace("  - say/do\n", "  - churn\n", StringComparison.Ordinal));

        var churn = Path.Combine(folder, "scope_churn_ratio.yaml");

        var run = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null, "catalog", "validate", folder);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"spiral: {folder}: 2 problem(s)\n" +
            $"  {file}:{CatalogFixture.LineOf(file, "type: rate")}: type: unknown type 'rate'; did you mean 'ratio'? (allowed: simple, ratio, derived, percentile, composite)\n" +
            $"  {churn}:{CatalogFixture.LineOf(churn, "- churn")}: synonyms[0]: synonym 'churn' is also claimed by 'say_do_ratio' (synonym at {file}:{CatalogFixture.LineOf(file, "- churn")}); a synonym must lead to one metric\n",
            run.Error);
    }

    [Fact]
    public async Task List_prints_an_aligned_table_filtered_by_category_or_json()
    {
        var db = await DatabaseAsync();

        var all = await TestData.CliAsync(db, "catalog", "list");
        var quality = await TestData.CliAsync(db, "catalog", "list", "--category", "quality");
        var json = await TestData.CliAsync(db, "catalog", "list", "--category", "composite", "--json");
        var unknown = await TestData.CliAsync(db, "catalog", "list", "--category", "qualty");

        Assert.Equal(0, all.ExitCode);
        Assert.EndsWith("37 metric(s)\n", all.Out);
        var lines = quality.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "bug_count", "bug_share", "comments_per_issue", "escaped_defects", "reopen_rate", "reopened_count", "6"],
            lines.Select(l => l.Split(' ')[0]));
        Assert.Equal(lines[0].IndexOf("CATEGORY", StringComparison.Ordinal), lines[1].IndexOf("quality", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^comments_per_issue\s+quality\s+ratio\s+comments\s+1\.0\.0\s+active\s+Comments per issue$", quality.Out);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"name\": \"sprint_problematic_score\"", json.Out);
        Assert.Contains("\"unit\": \"sigma\"", json.Out);
        Assert.Equal((1, "spiral: unknown category 'qualty'; did you mean 'quality'? (categories: throughput, lead_time, sprint_health, quality, capacity, composite)\n"),
            (unknown.ExitCode, unknown.Error));
    }

    [Fact]
    public async Task Show_prints_the_definition_as_yaml_or_json_and_unknown_names_suggest()
    {
        var db = await DatabaseAsync();

        var yaml = await TestData.CliAsync(db, "catalog", "show", "scope_churn_ratio");
        var json = await TestData.CliAsync(db, "catalog", "show", "sprint_problematic_score", "--json");
        var unknown = await TestData.CliAsync(db, "catalog", "show", "spilover_ratio");
        var noVersion = await TestData.CliAsync(db, "catalog", "show", "velocity", "--version", "9.9.9");
        var versions = await TestData.CliAsync(db, "catalog", "versions", "velocity");

        Assert.Equal(0, yaml.ExitCode);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(CatalogFixture.Folder, "scope_churn_ratio.yaml"), TestContext.Current.CancellationToken), yaml.Out);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"components\": [", json.Out);
        Assert.Contains("\"metric\": \"spillover_ratio\",\n      \"weight\": 0.25,\n      \"direction\": 1", json.Out);
        Assert.Contains("\"status\": \"active\"", json.Out);
        Assert.Equal((1, "spiral: metric 'spilover_ratio' is not in the catalog; did you mean 'spillover_ratio'?\n"), (unknown.ExitCode, unknown.Error));
        Assert.Equal((1, "spiral: metric 'velocity' has no version '9.9.9' (versions: 1.0.0)\n"), (noVersion.ExitCode, noVersion.Error));
        Assert.Matches(@"^VERSION\s+CREATED\s+CHECKSUM\s+EMBEDDER\n1\.0\.0 \*\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+[0-9a-f]{12}\s+onnx-all-MiniLM-L6-v2@384\n1 version\(s\) of velocity; \* = current\n$", versions.Out);
    }

    [Fact]
    public async Task Catalog_commands_report_usage_errors_with_2()
    {
        var noPath = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null, "catalog", "import");
        var unknown = await TestData.CliAsync((IReadOnlyDictionary<string, string?>?)null, "catalog", "bogus");

        Assert.Equal(2, noPath.ExitCode);
        Assert.Equal(2, unknown.ExitCode);
    }
}
