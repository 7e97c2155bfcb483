using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Demo;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;

namespace SpiralAnalytics.Integration.Tests.Analytics;

/// <summary>
/// Issue 16, item 3 (migration 0021): each sprint's values of the issue-grain components of the problem score (cycle time p50,
/// reopen rate) are read from the per-sprint rollups <c>issue_flow_resolved_sprints</c> / <c>issue_events_sprints</c> instead of
/// 10,000 range scans of <c>issue_flow</c> / <c>issue_events</c>. Three tenants of the same demo seed: <b>shipped</b> (the shipped
/// catalog: rollups), <b>own</b> (its own version of cycle_time_p50: the 75th percentile — still a percentile of the measure, so
/// still from the rollup, with its own p) and <b>terms</b> (the same p75, and the reopen rate, written as tenant aggregate terms,
/// which the rollups do not carry: the builder reads the issue rows of each sprint, the way every per-sprint value was read
/// before). The rollups' rows equal the issue rows' aggregates; every sprint's problem score from the rollups equals the one
/// from the issue rows and the independent <see cref="SprintOracle"/> (at the tenant's own p for <b>own</b>).
/// </summary>
public sealed class SprintIssueRollupTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateOnly Today = new(2026, 3, 2);
    private static readonly DateTimeOffset AsOf = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private const string Score = "sprint_problematic_score";
    private const string AllTime = """{"metrics":["sprint_problematic_score"],"group_by":["team","sprint"],"time":{"type":"all"}}""";

    private sealed record Tenant(string Slug, Guid Id);

    private sealed record Seeded(TestDatabase Db, Microsoft.Extensions.Hosting.IHost Host, QueryExecutor Executor, Tenant Shipped, Tenant Own, Tenant Terms);

    private Task<Seeded> SeededAsync() => server.OnceAsync(nameof(SprintIssueRollupTests), async () =>
    {
        var db = await server.DatabaseAsync(nameof(SprintIssueRollupTests));
        var imported = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
        Assert.True(imported.ExitCode == 0, imported.Error);
        var host = QueryFixture.Host(db);
        var tenants = new List<Tenant>();
        foreach (var name in new[] { "shipped", "own", "terms" })
        {
            var slug = TestData.NewSlug(name);
            var report = await host.Services.GetRequiredService<DemoSeeder>().SeedAsync(slug, DemoOptions.ForToday(Today), null, Ct);
            tenants.Add(new Tenant(slug, report.Tenant.Id));
        }

        await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        var cycle = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "catalog", "cycle_time_p50.yaml"), Ct);
        var reopen = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "catalog", "reopen_rate.yaml"), Ct);
        // own: a percentile of the same measure at p 0.75 (what the rollup answers, with the tenant's p)
        await ImportAsync(db, tenants[1].Slug, ("cycle_time_p50", Replace(cycle, ("version: 1.0.0", "version: 9.0.0"), ("p: 0.5", "p: 0.75"))));
        // terms: the same two definitions as tenant aggregate terms (read from the issue rows of each sprint)
        await ImportAsync(db, tenants[2].Slug,
            ("cycle_time_p50", Replace(cycle, ("version: 1.0.0", "version: 9.0.0"), ("type: percentile", "type: aggregate\naggregate: percentile"),
                ("measure: cycle_time_days", "measure: cycle_time_days"), ("p: 0.5", "p: 0.75"))),
            ("reopen_rate", Replace(reopen, ("version: 1.0.0", "version: 9.0.0"), ("type: ratio", "type: aggregate_ratio"),
                ("numerator: [reopened_issues]", "numerator_of: { aggregate: count, measure: reopened_issues }"),
                ("denominator: done_arrival_issues", "denominator_of: { aggregate: count, measure: done_arrival_issues }"))));
        return new Seeded(db, host, QueryFixture.Executor(host), tenants[0], tenants[1], tenants[2]);
    });

    [Fact]
    public async Task Each_sprints_rollup_rows_hold_what_its_teams_issue_rows_in_its_start_and_close_add_up_to()
    {
        var seeded = await SeededAsync();
        foreach (var tenant in new[] { seeded.Shipped, seeded.Own })
        {
            await using var session = await TenantSession.BeginAsync(seeded.Db.DataSources.Runtime, tenant.Id, Ct);
            // the issue rows of each sprint, placed as the per-sprint values place them: the team's rows in (start, close]
            var flow = """
                SELECT w.sprint_key, w.team_key, w.team_name, a.*
                FROM sprint_stats w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n, sum(v.resolved_count) AS resolved_count, sum(v.resolved_comment_count) AS resolved_comment_count,
                           sum(v.in_progress_hours) AS in_progress_hours, sum(v.unblocked_in_progress_hours) AS unblocked_in_progress_hours,
                           coalesce(sum(v.lead_time_days), 0) AS lead_sum, count(v.lead_time_days) AS lead_count,
                           coalesce(sum(v.cycle_time_days), 0) AS cycle_sum, count(v.cycle_time_days) AS cycle_count,
                           array_agg(v.lead_time_days ORDER BY v.lead_time_days) FILTER (WHERE v.lead_time_days IS NOT NULL) AS lead_values,
                           array_agg(v.cycle_time_days ORDER BY v.cycle_time_days) FILTER (WHERE v.cycle_time_days IS NOT NULL) AS cycle_values
                    FROM issue_flow v
                    WHERE v.team_key = w.team_key AND v.resolved_at > w.sprint_start_at AND v.resolved_at <= w.sprint_close_at
                ) a
                WHERE a.n > 0
                """;
            var flowRollup = """
                SELECT sprint_key, team_key, team_name, 1::bigint, resolved_count, resolved_comment_count, in_progress_hours,
                       unblocked_in_progress_hours, lead_time_days_sum, lead_time_days_count, cycle_time_days_sum, cycle_time_days_count,
                       lead_time_days_values, cycle_time_days_values
                FROM issue_flow_resolved_sprints
                WHERE sprint_key IN (SELECT sprint_key FROM sprint_stats)
                """;
            var events = """
                SELECT w.sprint_key, w.team_key, w.team_name, a.reopened, a.arrived
                FROM sprint_stats w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n, count(DISTINCT v.issue_key) FILTER (WHERE v.is_reopen = 1) AS reopened,
                           count(DISTINCT v.issue_key) FILTER (WHERE v.is_done_arrival = 1) AS arrived
                    FROM issue_events v
                    WHERE v.team_key = w.team_key AND v.at > w.sprint_start_at AND v.at <= w.sprint_close_at
                ) a
                WHERE a.n > 0
                """;
            var eventsRollup = "SELECT sprint_key, team_key, team_name, is_reopen, is_done_arrival FROM issue_events_sprints WHERE sprint_key IN (SELECT sprint_key FROM sprint_stats)";
            // (the flow rows' count is compared as "some": the rollup shows a sprint only when it has rows)
            var (flowRows, flowDiffers) = await CompareAsync(session, flow.Replace("SELECT w.sprint_key, w.team_key, w.team_name, a.*",
                "SELECT w.sprint_key, w.team_key, w.team_name, 1::bigint, a.resolved_count, a.resolved_comment_count, a.in_progress_hours, " +
                "a.unblocked_in_progress_hours, a.lead_sum, a.lead_count, a.cycle_sum, a.cycle_count, a.lead_values, a.cycle_values",
                StringComparison.Ordinal), flowRollup);
            var (eventRows, eventsDiffer) = await CompareAsync(session, events, eventsRollup);
            Assert.True(flowRows > 50, $"{tenant.Slug}: {flowRows} sprints with resolved issues");
            Assert.True(eventRows > 50, $"{tenant.Slug}: {eventRows} sprints with events");
            Assert.Equal(0, flowDiffers);
            Assert.Equal(0, eventsDiffer);

            // and some sprints did reopen issues (so the distinct counts are tested with something in them)
            await using var reopened = session.Command("SELECT count(*) FROM issue_events_sprints WHERE is_reopen > 0");
            Assert.True((long)(await reopened.ExecuteScalarAsync(Ct))! > 10);
        }
    }

    [Fact]
    public async Task Every_sprints_problem_score_from_the_rollups_equals_the_one_from_the_issue_rows_and_the_oracle()
    {
        var seeded = await SeededAsync();
        var shipped = await seeded.Executor.ExecuteAsync(AllTime, seeded.Shipped.Slug, AsOf, null, Ct);
        var own = await seeded.Executor.ExecuteAsync(AllTime, seeded.Own.Slug, AsOf, null, Ct);
        var terms = await seeded.Executor.ExecuteAsync(AllTime, seeded.Terms.Slug, AsOf, null, Ct);

        // which path each answer took: the rollups for the shipped and own definitions, the issue rows for the terms
        foreach (var answer in new[] { shipped, own })
        {
            Assert.Contains("FROM issue_flow_resolved_sprints v", answer.Sql, StringComparison.Ordinal);
            Assert.Contains("FROM issue_events_sprints v", answer.Sql, StringComparison.Ordinal);
            Assert.DoesNotContain("FROM issue_flow v", answer.Sql, StringComparison.Ordinal);
            Assert.DoesNotContain("FROM issue_events v", answer.Sql, StringComparison.Ordinal);
        }

        Assert.Contains("FROM issue_flow v", terms.Sql, StringComparison.Ordinal);
        Assert.Contains("FROM issue_events v", terms.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("_sprints v", terms.Sql, StringComparison.Ordinal);
        Assert.Equal("9.0.0", own.MetricVersions["cycle_time_p50"]);
        Assert.Equal("tenant", own.MetricLayers!["cycle_time_p50"]);
        Assert.Equal("9.0.0", terms.MetricVersions["reopen_rate"]);
        Assert.Equal("1.0.0", shipped.MetricVersions["cycle_time_p50"]);

        var shippedScores = Scores(shipped);
        var ownScores = Scores(own);
        var termsScores = Scores(terms);
        Assert.True(shippedScores.Count > 100, $"{shippedScores.Count} sprints");
        Assert.True(shippedScores.Values.Count(v => v is not null) > 80);

        // the same definition (p75, counts of distinct issues) from the rollups and from the issue rows: the same scores
        Assert.Equal(termsScores.Keys.Order(StringComparer.Ordinal), ownScores.Keys.Order(StringComparer.Ordinal));
        foreach (var (sprint, score) in ownScores)
        {
            AssertNear(termsScores[sprint], score, $"own vs terms, {sprint}");
        }

        // independently: the shipped components, and the own tenant's p75 of cycle time per sprint
        var components = SprintOracle.ProblemScoreComponents();
        var shippedOracle = await SprintOracle.ReadAsync(seeded.Db.OwnerConnectionString, seeded.Shipped.Id, Ct);
        foreach (var (sprint, score) in shippedScores)
        {
            AssertNear(shippedOracle.Score(sprint, components), score, $"shipped vs oracle, {sprint}");
        }

        var ownOracle = await SprintOracle.ReadAsync(seeded.Db.OwnerConnectionString, seeded.Own.Id, Ct);
        var p75 = await CycleTimeP75Async(seeded.Db, seeded.Own.Id);
        foreach (var (sprint, score) in ownScores)
        {
            var expected = ownOracle.Score(sprint, components, metric => metric == "cycle_time_p50"
                ? ownOracle.Z(sprint, metric, s => p75.GetValueOrDefault(s.Key))
                : ownOracle.Z(sprint, metric));
            AssertNear(expected, score, $"own vs oracle, {sprint}");
        }

        // the tenant's own p moves its scores (same data as the shipped tenant)
        Assert.Contains(ownScores, s => Differs(s.Value, shippedScores[s.Key]));
    }

    [Fact]
    public async Task The_anomaly_flags_and_a_diagnosis_of_the_issue_grain_components_read_the_rollups_and_agree_with_the_issue_rows()
    {
        var seeded = await SeededAsync();
        const string diagnose = """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"time":{"type":"last_sprints","n":3}}""";
        var own = await seeded.Executor.ExecuteAsync(diagnose, seeded.Own.Slug, AsOf, null, Ct);
        var terms = await seeded.Executor.ExecuteAsync(diagnose, seeded.Terms.Slug, AsOf, null, Ct);
        Assert.Contains("issue_flow_resolved_sprints", own.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("issue_flow_resolved_sprints", terms.Sql, StringComparison.Ordinal);

        var fromRollups = own.Analysis!.Teams.SelectMany(t => t.Sprints).SelectMany(s => s.Components.Select(c => (s.SprintKey, c))).ToList();
        var fromRows = terms.Analysis!.Teams.SelectMany(t => t.Sprints).SelectMany(s => s.Components.Select(c => (s.SprintKey, c)))
            .ToDictionary(x => (x.SprintKey, x.c.Metric), x => x.c);
        Assert.True(fromRollups.Count >= 3 * 3 * 6, $"{fromRollups.Count} sprint × component rows");
        Assert.Equal(fromRows.Count, fromRollups.Count);
        foreach (var (sprint, c) in fromRollups.Where(x => x.c.Metric is "cycle_time_p50" or "reopen_rate"))
        {
            var other = fromRows[(sprint, c.Metric)];
            AssertNear(other.Value, c.Value, $"{sprint} {c.Metric} value");
            AssertNear(other.Baseline, c.Baseline, $"{sprint} {c.Metric} baseline");
            AssertNear(other.Z, c.Z, $"{sprint} {c.Metric} z");
        }

        Assert.Contains(fromRollups, x => x.c.Metric == "reopen_rate" && x.c.Value > 0);
    }

    [Fact]
    public async Task After_a_refresh_the_stored_z_scores_give_the_same_problem_scores_and_are_read_only_for_the_definition_they_were_computed_for()
    {
        var seeded = await SeededAsync();
        var tenants = new[] { seeded.Shipped, seeded.Own, seeded.Terms };
        // before: the own and terms tenants' definitions were imported after the refresh, so their stores lack them (computed)
        var before = new Dictionary<string, Dictionary<string, double?>>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            before[tenant.Slug] = Scores(await seeded.Executor.ExecuteAsync(AllTime, tenant.Slug, AsOf.AddSeconds(1), null, Ct));
        }

        // one stored definition per tenant (the problem score's components), all three the shipped ones at the first refresh
        var definitions = await StoredDefinitionsAsync(seeded.Db);
        Assert.Equal(1, definitions.Count(d => d.Tenant == seeded.Shipped.Id && d.Metric == Score));
        Assert.Single(definitions.Where(d => tenants.Any(t => t.Id == d.Tenant)).Select(d => d.Key).Distinct());

        // a refresh stores every tenant's definitions in force, its own versions too (each under its own key)
        await seeded.Host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, Ct);
        definitions = await StoredDefinitionsAsync(seeded.Db);
        var keys = tenants.ToDictionary(t => t.Slug, t => definitions.Single(d => d.Tenant == t.Id && d.Metric == Score));
        Assert.Equal(3, keys.Values.Select(d => d.Key).Distinct().Count());
        Assert.All(keys.Values, d => Assert.True(d.Rows > 100 * 6, $"{d.Rows} rows"));
        var own = keys[seeded.Own.Slug];

        foreach (var tenant in tenants)
        {
            var after = Scores(await seeded.Executor.ExecuteAsync(AllTime, tenant.Slug, AsOf.AddSeconds(2), null, Ct));
            Assert.Equal(before[tenant.Slug].Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
            foreach (var (sprint, score) in after)
            {
                AssertNear(before[tenant.Slug][sprint], score, $"{tenant.Slug} stored vs computed, {sprint}");
            }
        }

        // the answer reads the stored rows: moved by hand (as the owner), the own tenant's scores move; the terms tenant,
        // whose reopen rate is another definition, does not; a refresh puts them back
        await using (var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var tamper = new NpgsqlCommand("UPDATE mv_sprint_z SET z = coalesce(z, 0) + 1 WHERE tenant_id = $1 AND definition = $2 AND metric = 'cycle_time_p50'", connection);
            tamper.Parameters.Add(new NpgsqlParameter { Value = seeded.Own.Id });
            tamper.Parameters.Add(new NpgsqlParameter { Value = own.Key });
            Assert.True(await tamper.ExecuteNonQueryAsync(Ct) > 100);
        }

        var tampered = Scores(await seeded.Executor.ExecuteAsync(AllTime, seeded.Own.Slug, AsOf.AddSeconds(3), null, Ct));
        Assert.True(tampered.Count(s => Differs(s.Value, before[seeded.Own.Slug][s.Key])) > 50);
        var untouched = Scores(await seeded.Executor.ExecuteAsync(AllTime, seeded.Terms.Slug, AsOf.AddSeconds(3), null, Ct));
        Assert.DoesNotContain(untouched, s => Differs(s.Value, before[seeded.Terms.Slug][s.Key]));
        await seeded.Host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(full: true, null, Ct);
        var restored = Scores(await seeded.Executor.ExecuteAsync(AllTime, seeded.Own.Slug, AsOf.AddSeconds(4), null, Ct));
        Assert.DoesNotContain(restored, s => Differs(s.Value, before[seeded.Own.Slug][s.Key]));

        // between a refresh's commit (which forgets the touched tenants' rows) and its follower (which stores them again),
        // answers compute the same scores; the follower then stores exactly the keys in force again
        var store = seeded.Host.Services.GetRequiredService<SprintZStore>();
        await using (var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await store.ForgetAsync(connection, transaction, [seeded.Own.Id], Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.DoesNotContain(await StoredDefinitionsAsync(seeded.Db), d => d.Tenant == seeded.Own.Id);
        var computed = Scores(await seeded.Executor.ExecuteAsync(AllTime, seeded.Own.Slug, AsOf.AddSeconds(5), null, Ct));
        Assert.DoesNotContain(computed, s => Differs(s.Value, before[seeded.Own.Slug][s.Key]));
        Assert.NotNull(await store.AfterRefreshAsync(0, Ct));
        Assert.Equal(own.Key, (await StoredDefinitionsAsync(seeded.Db)).Single(d => d.Tenant == seeded.Own.Id && d.Metric == Score).Key);
        Assert.Null(await store.AfterRefreshAsync(0, Ct));
    }

    private sealed record StoredDefinition(Guid Tenant, string Key, string Metric, string Version, int Rows);

    private static async Task<List<StoredDefinition>> StoredDefinitionsAsync(TestDatabase db)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT tenant_id, definition, metric, version, row_count FROM analytics_z_definitions", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var result = new List<StoredDefinition>();
        while (await reader.ReadAsync(Ct))
        {
            result.Add(new StoredDefinition(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }

        return result;
    }

    private static async Task ImportAsync(TestDatabase db, string slug, params (string Name, string Yaml)[] metrics)
    {
        var folder = Directory.CreateTempSubdirectory("spiral-rollup-catalog-").FullName;
        foreach (var (name, yaml) in metrics)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, name + ".yaml"), yaml, Ct);
        }

        var imported = await TestData.CliAsync(db, "catalog", "import", folder, "--tenant", slug);
        Assert.True(imported.ExitCode == 0, imported.Error + imported.Out);
    }

    private static string Replace(string yaml, params (string From, string To)[] edits)
    {
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, yaml, StringComparison.Ordinal);
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }

        return yaml;
    }

    /// <summary>Rows of <paramref name="expected"/> and <paramref name="actual"/> (same columns): how many, and how many differ either way.</summary>
    private static async Task<(long Rows, long Differ)> CompareAsync(TenantSession session, string expected, string actual)
    {
        await using var command = session.Command(
            $"""
             SELECT (SELECT count(*) FROM ({expected}) e),
                    (SELECT count(*) FROM (({expected}) EXCEPT ALL ({actual})) x) + (SELECT count(*) FROM (({actual}) EXCEPT ALL ({expected})) x)
             """);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Per sprint, the 75th percentile of its team's cycle times resolved in (start, close], over the owner's tables.</summary>
    private static async Task<Dictionary<string, double?>> CycleTimeP75Async(TestDatabase db, Guid tenant)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT s.sprint_key, (SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY f.cycle_time_days) FROM mv_issue_flow f
                                  WHERE f.tenant_id = s.tenant_id AND f.team_key = s.team_key
                                    AND f.resolved_at > s.sprint_start_at AND f.resolved_at <= s.sprint_close_at)
            FROM mv_sprint_stats s WHERE s.tenant_id = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var result = new Dictionary<string, double?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            result[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetDouble(1);
        }

        return result;
    }

    private static Dictionary<string, double?> Scores(QueryResult result) => result.Rows.ToDictionary(
        r => r["sprint_key"]!.GetValue<string>(),
        r => r[Score] is { } v ? v.GetValue<double>() : (double?)null,
        StringComparer.Ordinal);

    private static bool Differs(double? a, double? b) => a is null != b is null || (a is not null && Math.Abs(a.Value - b!.Value) > 1e-6);

    private static void AssertNear(double? expected, double? actual, string what)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{what}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        Assert.True(Math.Abs(expected.Value - actual.Value) < 1e-9, $"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    private static string Show(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "null";
}
