using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>
/// The problem score's weights come from the composite's catalog definition, the version the answer uses, in one place
/// (<c>CompositeSql</c>): a new version with other weights moves the score and the diagnosis' contributions and is stamped on
/// the answer; the old version, pinned, still gives the old answer.
/// </summary>
public sealed class CompositeVersionTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Score = "sprint_problematic_score";

    private static readonly Dictionary<string, double> NewWeights = new(StringComparer.Ordinal)
    {
        ["spillover_ratio"] = 0.7, ["say_do_ratio"] = 0.05, ["scope_churn_ratio"] = 0.05, ["blocked_hours"] = 0.1, ["reopen_rate"] = 0.05, ["cycle_time_p50"] = 0.05,
    };

    [Fact]
    public async Task A_new_version_of_the_composite_with_other_weights_moves_the_score_and_the_contributions()
    {
        var db = await server.DatabaseAsync(nameof(CompositeVersionTests));
        var imported = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(imported.ExitCode == 0, imported.Error);
        var slug = TestData.NewSlug("composite");
        var tenantId = await TestData.CreateTenantAsync(db, slug);
        using var host = QueryFixture.Host(db);
        await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
        await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        var executor = QueryFixture.Executor(host);
        const string spec = """{"metrics":["sprint_problematic_score"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":4}}""";

        var before = await executor.ExecuteAsync(spec, slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.0.0", before.MetricVersions[Score]);

        // Version 1.1.0 of the composite: the same components, other weights.
        var folder = Directory.CreateTempSubdirectory("spiral-catalog-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "catalog"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var path = Path.Combine(folder, Score + ".yaml");
        var yaml = (await File.ReadAllTextAsync(path, Ct)).Replace("version: 1.0.0", "version: 1.1.0", StringComparison.Ordinal);
        var oldWeights = SprintOracle.ProblemScoreComponents().ToDictionary(c => c.Metric, c => c.Weight, StringComparer.Ordinal);
        foreach (var (metric, weight) in NewWeights)
        {
            var from = $"{{ metric: {metric}, weight: {oldWeights[metric].ToString(CultureInfo.InvariantCulture)},";
            Assert.Contains(from, yaml, StringComparison.Ordinal);
            yaml = yaml.Replace(from, $"{{ metric: {metric}, weight: {weight.ToString(CultureInfo.InvariantCulture)},", StringComparison.Ordinal);
        }

        await File.WriteAllTextAsync(path, yaml, Ct);
        var bumped = await TestData.CliAsync(db, "catalog", "import", folder);
        Assert.True(bumped.ExitCode == 0, bumped.Error);

        var after = await executor.ExecuteAsync(spec, slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.1.0", after.MetricVersions[Score]);
        Assert.Equal("1.1.0", after.Columns.Single(c => c.Name == Score).Version);
        var expectedNew = await ScoresAsync(db, tenantId, NewWeights, after.Rows.Select(r => r["sprint_key"]!.GetValue<string>()));
        var expectedOld = await ScoresAsync(db, tenantId, oldWeights, before.Rows.Select(r => r["sprint_key"]!.GetValue<string>()));
        AssertScores(expectedOld, before);
        AssertScores(expectedNew, after);
        Assert.Contains(expectedNew, e => e.Value is { } v && expectedOld[e.Key] is { } o && Math.Abs(v - o) > 1e-6);

        // The old version, pinned, still answers with its own weights.
        var pinned = await executor.ExecuteAsync(spec.Replace($"\"{Score}\"", $"\"{Score}@1.0.0\"", StringComparison.Ordinal), slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.0.0", pinned.MetricVersions[Score]);
        AssertScores(expectedOld, pinned);

        // The diagnosis reads the same definition: its weights are the new ones, its contributions add up to the new score.
        var diagnosis = await executor.ExecuteAsync(
            """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":1}}""",
            slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.1.0", diagnosis.MetricVersions[Score]);
        var sprint = Assert.Single(Assert.Single(diagnosis.Analysis!.Teams).Sprints);
        Assert.All(sprint.Components, c => Assert.Equal(NewWeights[c.Metric], c.Weight, 1e-12));
        var score = (await ScoresAsync(db, tenantId, NewWeights, [sprint.SprintKey]))[sprint.SprintKey];
        Assert.NotNull(score);
        Assert.Equal(score.Value, sprint.ProblemScore!.Value, 1e-9);
        Assert.Equal(score.Value, sprint.Components.Sum(c => c.Contribution ?? 0), 1e-9);
    }

    private static void AssertScores(Dictionary<string, double?> expected, QueryResult result)
    {
        Assert.Equal(expected.Count, result.Rows.Count);
        foreach (var row in result.Rows)
        {
            var key = row["sprint_key"]!.GetValue<string>();
            var got = row[Score]?.GetValue<double>();
            Assert.True(expected[key] is null ? got is null : got is { } g && Math.Abs(g - expected[key]!.Value) <= 1e-9,
                $"{key}: expected {expected[key]}, got {got}");
        }
    }

    /// <summary>
    /// Per sprint: Σ weight × clip(direction × z, ±3) / Σ weights of the components with a z, over z-scores worked out in the test
    /// (<see cref="SprintOracle"/>; directions: say/do is better high, the rest better low).
    /// </summary>
    private static async Task<Dictionary<string, double?>> ScoresAsync(TestDatabase db, Guid tenantId, IReadOnlyDictionary<string, double> weights,
        IEnumerable<string> sprintKeys)
    {
        var components = weights.Select(w => new SprintOracle.Component(w.Key, w.Value, w.Key == "say_do_ratio" ? -1 : 1)).ToList();
        var oracle = await SprintOracle.ReadAsync(db.OwnerConnectionString, tenantId, Ct);
        return sprintKeys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => oracle.Score(k, components), StringComparer.Ordinal);
    }
}
