using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>
/// Issue 15, item 1: a component's z-score is computed from the catalog definition of the component version the answer uses.
/// Version 2.0.0 of <c>spillover_ratio</c> with another definition (removed points count as spilled) moves its per-sprint value,
/// its baseline and z-score (the anomaly flag columns), the problem score and the diagnosis' contributions, and is stamped on the
/// answers' metric versions; pinned at 1.1.0 it still gives the old answer. The expectations are computed here independently:
/// the new per-sprint values by SQL over the sprint × issue facts, z in C# (previous 6 closed non-low-sample sprints of the team,
/// at least 4 values, sd floored at max(10% of |mean|, 0.05), clipped ±3), the other components' z-scores from <see cref="SprintOracle"/>.
/// </summary>
public sealed class ComponentVersionTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Score = "sprint_problematic_score";
    private const string Spillover = "spillover_ratio";

    private static readonly (string Metric, double Weight, int Direction)[] Components =
    [
        (Spillover, 0.25, 1), ("say_do_ratio", 0.2, -1), ("scope_churn_ratio", 0.2, 1), ("blocked_hours", 0.15, 1), ("reopen_rate", 0.1, 1), ("cycle_time_p50", 0.1, 1),
    ];

    private const string Spec = """{"metrics":["sprint_problematic_score","spillover_ratio"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":4}}""";

    private sealed record Bumped(QueryExecutor Executor, string Slug, Dictionary<string, SprintFacts> Sprints, QueryResult Before, TestDatabase Db,
        Microsoft.Extensions.Hosting.IHost Host);

    /// <summary>The demo tenant, answered once at version 1.1.0, then the catalog with version 2.0.0 of spillover_ratio imported.</summary>
    private Task<Bumped> BumpedAsync() => server.OnceAsync(nameof(ComponentVersionTests), async () =>
    {
        var db = await server.DatabaseAsync(nameof(ComponentVersionTests));
        var imported = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(imported.ExitCode == 0, imported.Error);
        var slug = TestData.NewSlug("component");
        var tenantId = await TestData.CreateTenantAsync(db, slug);
        var host = QueryFixture.Host(db);
        await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
        await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        var executor = QueryFixture.Executor(host);
        var before = await executor.ExecuteAsync(Spec, slug, QueryFixture.AsOf, null, Ct);

        // Version 2.0.0 of the component: another definition (removed points are spilled too); the composite is unchanged.
        var folder = Directory.CreateTempSubdirectory("spiral-catalog-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "catalog"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var path = Path.Combine(folder, Spillover + ".yaml");
        var yaml = await File.ReadAllTextAsync(path, Ct);
        foreach (var (from, to) in new[]
                 {
                     ("version: 1.1.0", "version: 2.0.0"),
                     ("numerator: [spilled_points]", "numerator: [spilled_points, removed_points]"),
                     ("depends_on: [planned_sp]", "depends_on: [planned_sp, removed_sp]"),
                 })
        {
            Assert.Contains(from, yaml, StringComparison.Ordinal);
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }

        await File.WriteAllTextAsync(path, yaml, Ct);
        var bumped = await TestData.CliAsync(db, "catalog", "import", folder);
        Assert.True(bumped.ExitCode == 0, bumped.Error + bumped.Out);
        return new Bumped(executor, slug, await SprintsAsync(db, tenantId), before, db, host);
    });

    [Fact]
    public async Task A_tenants_own_version_of_a_component_gets_z_scores_and_a_problem_score_from_its_own_definition()
    {
        var (executor, shippedTenant, shippedSprints, _, db, host) = await BumpedAsync();
        var slug = TestData.NewSlug("own");
        var tenantId = await TestData.CreateTenantAsync(db, slug);
        await host.Services.GetRequiredService<BundleImporter>().ImportAsync(DemoBundle.Write(42), slug, Ct);
        await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);

        // The tenant's own spillover_ratio: added points count as spilled (a definition neither shipped version has).
        var folder = Directory.CreateTempSubdirectory("spiral-tenant-catalog-").FullName;
        var yaml = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "catalog", Spillover + ".yaml"), Ct);
        yaml = yaml.Replace("version: 1.1.0", "version: 9.0.0", StringComparison.Ordinal)
            .Replace("numerator: [spilled_points]", "numerator: [spilled_points, added_points]", StringComparison.Ordinal)
            .Replace("depends_on: [planned_sp]", "depends_on: [planned_sp, added_sp]", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(folder, Spillover + ".yaml"), yaml, Ct);
        var imported = await TestData.CliAsync(db, "catalog", "import", folder, "--tenant", slug);
        Assert.True(imported.ExitCode == 0, imported.Error + imported.Out);

        var sprints = await SprintsAsync(db, tenantId, "f.spilled_points + f.added_points");
        var ownZ = sprints.ToDictionary(s => s.Key, s => ExpectedZ(sprints, s.Key));
        var answer = await executor.ExecuteAsync(Spec, slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("9.0.0", answer.MetricVersions[Spillover]);
        Assert.Equal("tenant", answer.MetricLayers![Spillover]);
        AssertAnswer(answer, sprints, ownZ, s => s.NewValue);
        var answered = answer.Rows.Select(r => r["sprint_key"]!.GetValue<string>()).ToList();
        Assert.Contains(answered, k => Differs(ownZ[k], sprints[k].OracleZ[Spillover]));

        // diagnose accepts the tenant's version (it used to refuse it) and explains the score with it.
        var diagnosis = await executor.ExecuteAsync(
            """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":1}}""",
            slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("9.0.0", diagnosis.MetricVersions[Spillover]);
        var sprint = Assert.Single(Assert.Single(diagnosis.Analysis!.Teams).Sprints);
        AssertNear(ownZ[sprint.SprintKey], sprint.Components.Single(c => c.Metric == Spillover).Z, $"{sprint.SprintKey} z");
        AssertNear(ExpectedScore(sprints[sprint.SprintKey], ownZ[sprint.SprintKey]), sprint.ProblemScore, $"{sprint.SprintKey} problem score");

        // The other tenant still gets the shipped version.
        var other = await executor.ExecuteAsync(Spec, shippedTenant, QueryFixture.AsOf, null, Ct);
        Assert.Equal("2.0.0", other.MetricVersions[Spillover]);
        AssertAnswer(other, shippedSprints, shippedSprints.ToDictionary(s => s.Key, s => ExpectedZ(shippedSprints, s.Key)), s => s.NewValue);
    }

    [Fact]
    public async Task A_new_version_of_a_component_moves_its_z_scores_the_problem_score_and_the_contributions()
    {
        var (executor, slug, sprints, before, _, _) = await BumpedAsync();
        var oldZ = sprints.ToDictionary(s => s.Key, s => s.Value.OracleZ[Spillover]);

        // At 1.1.0 the z-scores and the score agree with the oracle's (an independent computation).
        Assert.Equal("1.1.0", before.MetricVersions[Spillover]);
        AssertAnswer(before, sprints, oldZ, s => s.OldValue);

        var newZ = sprints.ToDictionary(s => s.Key, s => ExpectedZ(sprints, s.Key));
        var after = await executor.ExecuteAsync(Spec, slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("2.0.0", after.MetricVersions[Spillover]);
        Assert.Equal("1.0.0", after.MetricVersions[Score]);
        Assert.Equal("2.0.0", after.Columns.Single(c => c.Name == Spillover + "__z").Version);
        AssertAnswer(after, sprints, newZ, s => s.NewValue);

        // The change is visible: answered sprints' spillover values, z-scores and problem scores moved.
        var answered = after.Rows.Select(r => r["sprint_key"]!.GetValue<string>()).ToList();
        Assert.Contains(answered, k => Differs(sprints[k].NewValue, sprints[k].OldValue));
        Assert.Contains(answered, k => Differs(newZ[k], oldZ[k]));
        Assert.Contains(answered, k => Differs(ExpectedScore(sprints[k], newZ[k]), ExpectedScore(sprints[k], oldZ[k])));

        // The composite alone: the component's version is stamped on the answer (and so on its cache key).
        var scoreOnly = await executor.ExecuteAsync(
            """{"metrics":["sprint_problematic_score"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":4}}""", slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("2.0.0", scoreOnly.MetricVersions[Spillover]);
        Assert.Equal(answered.Count, scoreOnly.Rows.Count);
        foreach (var row in scoreOnly.Rows)
        {
            var key = row["sprint_key"]!.GetValue<string>();
            AssertNear(ExpectedScore(sprints[key], newZ[key]), Number(row, Score), $"{key} score");
        }

        // The diagnosis explains the new score: the component's value, baseline, z and contribution follow version 2.0.0.
        var diagnosis = await executor.ExecuteAsync(
            """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}],"time":{"type":"last_sprints","n":2}}""",
            slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("2.0.0", diagnosis.MetricVersions[Spillover]);
        var diagnosed = Assert.Single(diagnosis.Analysis!.Teams).Sprints;
        Assert.Equal(2, diagnosed.Count);
        foreach (var sprint in diagnosed)
        {
            var expected = sprints[sprint.SprintKey];
            var spill = sprint.Components.Single(c => c.Metric == Spillover);
            AssertNear(expected.NewValue, spill.Value, $"{sprint.SprintKey} value");
            AssertNear(ExpectedBaseline(sprints, sprint.SprintKey), spill.Baseline, $"{sprint.SprintKey} baseline");
            AssertNear(newZ[sprint.SprintKey], spill.Z, $"{sprint.SprintKey} z");
            var score = ExpectedScore(expected, newZ[sprint.SprintKey]);
            AssertNear(score, sprint.ProblemScore, $"{sprint.SprintKey} problem score");
            AssertNear(score ?? 0, sprint.Components.Sum(c => c.Contribution ?? 0), $"{sprint.SprintKey} contributions");
            AssertNear(ExpectedContribution(expected, newZ[sprint.SprintKey]), spill.Contribution, $"{sprint.SprintKey} contribution");
        }

        Assert.Contains(diagnosed, s => Differs(newZ[s.SprintKey], oldZ[s.SprintKey]));

        // The anomaly list reads the same z-scores.
        var anomalies = await executor.ExecuteAsync(
            """{"analysis":"anomalies","metrics":["spillover_ratio"],"time":{"type":"all"}}""", slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("2.0.0", anomalies.MetricVersions[Spillover]);
        var flagged = anomalies.Analysis!.Anomalies.Select(a => a.SprintKey).Order(StringComparer.Ordinal).ToList();
        var expectedFlagged = sprints.Where(s => s.Value.Closed && !s.Value.LowSample && newZ[s.Key] is { } z && Math.Abs(z) >= 2)
            .Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expectedFlagged);
        Assert.Equal(expectedFlagged, flagged);
        Assert.All(anomalies.Analysis.Anomalies, a => AssertNear(newZ[a.SprintKey], a.Z, $"{a.SprintKey} anomaly z"));
    }

    [Fact]
    public async Task The_pinned_old_version_of_a_component_does_not_move()
    {
        var (executor, slug, sprints, before, _, _) = await BumpedAsync();
        var oldZ = sprints.ToDictionary(s => s.Key, s => s.Value.OracleZ[Spillover]);

        // Pinned at 1.1.0 the component (and the score that reads it in the same answer) gives the answer it gave before the bump.
        var pinned = await executor.ExecuteAsync(Spec.Replace("\"spillover_ratio\"]", "\"spillover_ratio@1.1.0\"]", StringComparison.Ordinal),
            slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.1.0", pinned.MetricVersions[Spillover]);
        AssertAnswer(pinned, sprints, oldZ, s => s.OldValue);
        Assert.Equal(before.Rows.Select(r => r.ToJsonString()), pinned.Rows.Select(r => r.ToJsonString()));

        // The anomaly list of the pinned version reads the old z-scores.
        var anomalies = await executor.ExecuteAsync(
            """{"analysis":"anomalies","metrics":["spillover_ratio@1.1.0"],"time":{"type":"all"}}""", slug, QueryFixture.AsOf, null, Ct);
        Assert.Equal("1.1.0", anomalies.MetricVersions[Spillover]);
        Assert.All(anomalies.Analysis!.Anomalies, a => AssertNear(oldZ[a.SprintKey], a.Z, $"{a.SprintKey} anomaly z"));
        Assert.Equal(
            sprints.Where(s => s.Value.Closed && !s.Value.LowSample && oldZ[s.Key] is { } z && Math.Abs(z) >= 2).Select(s => s.Key).Order(StringComparer.Ordinal),
            anomalies.Analysis.Anomalies.Select(a => a.SprintKey).Order(StringComparer.Ordinal));
    }

    /// <summary>Every row: the spillover value, baseline and z (the flag columns) and the problem score with that spillover z.</summary>
    private static void AssertAnswer(QueryResult result, Dictionary<string, SprintFacts> sprints, Dictionary<string, double?> spilloverZ,
        Func<SprintFacts, double?> value)
    {
        Assert.NotEmpty(result.Rows);
        foreach (var row in result.Rows)
        {
            var key = row["sprint_key"]!.GetValue<string>();
            var sprint = sprints[key];
            AssertNear(value(sprint), Number(row, Spillover), $"{key} {Spillover}");
            AssertNear(ExpectedScore(sprint, spilloverZ[key]), Number(row, Score), $"{key} score");
            if (!sprint.LowSample)
            {
                AssertNear(spilloverZ[key], Number(row, Spillover + "__z"), $"{key} z");
                Assert.Equal(spilloverZ[key] is { } z && Math.Abs(z) >= 2, row[Spillover + "__anomaly"]!.GetValue<bool>());
            }
        }
    }

    private static bool Differs(double? a, double? b) => a is null != b is null || (a is { } x && b is { } y && Math.Abs(x - y) > 1e-6);

    private static double? Number(JsonObject row, string column) => row[column] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static void AssertNear(double? expected, double? actual, string what) =>
        Assert.True(expected is null ? actual is null : actual is { } a && Math.Abs(a - expected.Value) <= 1e-9,
            $"{what}: expected {expected?.ToString() ?? "null"}, got {actual?.ToString() ?? "null"}");

    private static double? ExpectedScore(SprintFacts sprint, double? spilloverZ)
    {
        double top = 0, bottom = 0;
        foreach (var (metric, weight, direction) in Components)
        {
            if ((metric == Spillover ? spilloverZ : sprint.OracleZ[metric]) is { } z)
            {
                top += weight * Math.Clamp(direction * z, -3, 3);
                bottom += weight;
            }
        }

        return bottom == 0 ? null : top / bottom;
    }

    private static double? ExpectedContribution(SprintFacts sprint, double? spilloverZ) =>
        spilloverZ is not { } z ? null : Components[0].Weight * Math.Clamp(z, -3, 3)
            / Components.Where(c => (c.Metric == Spillover ? spilloverZ : sprint.OracleZ[c.Metric]) is not null).Sum(c => c.Weight);

    /// <summary>The team's previous 6 closed, non-low-sample sprints before this one (newest first), by close time then key.</summary>
    private static List<SprintFacts> Baseline(Dictionary<string, SprintFacts> sprints, string key)
    {
        var target = sprints[key];
        return sprints.Values.Where(s => s.Team == target.Team && s.Closed && !s.LowSample
                                         && (s.CloseAt < target.CloseAt || (s.CloseAt == target.CloseAt && string.CompareOrdinal(s.Key, target.Key) < 0)))
            .OrderByDescending(s => s.CloseAt).ThenByDescending(s => s.Key, StringComparer.Ordinal).Take(6).ToList();
    }

    private static double? ExpectedBaseline(Dictionary<string, SprintFacts> sprints, string key)
    {
        var values = Baseline(sprints, key).Select(s => s.NewValue).OfType<double>().ToList();
        return values.Count == 0 ? null : values.Average();
    }

    private static double? ExpectedZ(Dictionary<string, SprintFacts> sprints, string key)
    {
        var values = Baseline(sprints, key).Select(s => s.NewValue).OfType<double>().ToList();
        if (sprints[key].NewValue is not { } x || values.Count < 4)
        {
            return null;
        }

        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return Math.Clamp((x - mean) / Math.Max(Math.Max(sd, 0.1 * Math.Abs(mean)), 0.05), -3, 3);
    }

    private sealed record SprintFacts(string Key, string Team, DateTime CloseAt, bool Closed, bool LowSample, double? OldValue, double? NewValue,
        Dictionary<string, double?> OracleZ);

    /// <summary>Per sprint, over the owner's tables: both definitions' values from the facts, and the component z-scores of
    /// <see cref="SprintOracle"/> (worked out in the test, at the shipped definitions).</summary>
    private static async Task<Dictionary<string, SprintFacts>> SprintsAsync(TestDatabase db, Guid tenantId, string numerator = "f.spilled_points + f.removed_points")
    {
        var oracle = await SprintOracle.ReadAsync(db.OwnerConnectionString, tenantId, Ct);
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT s.sprint_key, s.team_key, s.sprint_close_at, s.sprint_state = 'closed', s.low_sample,
                    (sum(f.spilled_points) / nullif(sum(f.committed_points), 0))::float8,
                    (sum({numerator}) / nullif(sum(f.committed_points), 0))::float8
             FROM mv_sprint_stats s
             JOIN mv_sprint_issue_facts f ON f.tenant_id = s.tenant_id AND f.sprint_id = s.sprint_id
             WHERE s.tenant_id = $1
             GROUP BY s.sprint_key, s.team_key, s.sprint_close_at, s.sprint_state, s.low_sample
             """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        var result = new Dictionary<string, SprintFacts>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            double? At(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
            var key = reader.GetString(0);
            var z = Components.ToDictionary(c => c.Metric, c => oracle.Z(key, c.Metric), StringComparer.Ordinal);
            result[key] = new SprintFacts(key, reader.GetString(1), reader.GetDateTime(2), reader.GetBoolean(3), reader.GetBoolean(4), At(5), At(6), z);
        }

        return result;
    }
}
