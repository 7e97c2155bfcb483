using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Integration.Tests.Analytics;
using SpiralAnalytics.Integration.Tests.Fixtures;
using SpiralAnalytics.Integration.Tests.Query;
using Microsoft.Extensions.DependencyInjection;
using static SpiralAnalytics.Integration.Tests.Analytics.KnownAnswerFixture;

namespace SpiralAnalytics.Integration.Tests.Diagnosis;

/// <summary>
/// Known answers for the analysis forms, the anomaly flags and the hole-free series on the hand-built bundle of
/// <see cref="KnownAnswerFixture"/> (Atlas A1..A8, A1 low-sample, A8 active; Borealis B1, B2). The expected values are computed
/// here, independently of the SQL: from the per-sprint values worked out by hand in KnownAnswerViewTests (repeated below with
/// their sprint), plain means, a least-squares slope, and the membership walk of A6 and A7 for the decomposition.
/// </summary>
public sealed class DiagnosisKnownAnswerTests(PostgresServer server)
{
    private const double Tolerance = 1e-9;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>After A7 closed (04-10 17:00), before A8 started (04-13 09:00): the last closed sprint is A7.</summary>
    private static readonly DateTimeOffset AfterA7 = T("2026-04-12 12:00");

    /// <summary>While A8 is active.</summary>
    private static readonly DateTimeOffset DuringA8 = T("2026-04-20 12:00");

    // The components' values per Atlas sprint A2..A8 (KnownAnswerViewTests.StatsExpected; A1 is low-sample, never a baseline).
    private static readonly Dictionary<string, double[]> Values = new()
    {
        //                         A2         A3        A4          A5         A6         A7        A8
        ["spillover_ratio"] =     [3 / 13.0,  2 / 13.0, 3 / 13.0,   2 / 13.0,  0,         3 / 13.0, 13 / 16.0],
        ["say_do_ratio"] =        [10 / 13.0, 6 / 13.0, 10 / 13.0,  11 / 13.0, 13 / 13.0, 9 / 13.0, 3 / 16.0],
        ["scope_churn_ratio"] =   [1 / 13.0,  7 / 13.0, 8 / 13.0,   0,         1 / 13.0,  2 / 13.0, 3 / 16.0],
        ["blocked_hours"] =       [30,        0,        0,          48,        0,         80,       272],
        ["reopen_rate"] =         [0,         0,        0,          1 / 3.0,   0,         0,        0],
        ["cycle_time_p50"] =      [8.75,      11.0625,  100 / 24.0, 7,         3.25,      4,        2],
    };

    // The z-scores of A7 (KnownAnswerViewTests.ZExpected) and the catalog's weights and directions.
    private static readonly Dictionary<string, (double Z, double Weight, int Direction)> A7 = new()
    {
        ["spillover_ratio"] = (0.8164965809277259, 0.25, 1),
        ["say_do_ratio"] = (-0.3922322702763684, 0.2, -1),
        ["scope_churn_ratio"] = (-0.37022011974356156, 0.2, 1),
        ["blocked_hours"] = (1.455348267333631, 0.15, 1),
        ["reopen_rate"] = (-0.4472135954999579, 0.1, 1),
        ["cycle_time_p50"] = (-0.868647408329264, 0.1, 1),
    };

    private const string Atlas = """[{"dimension":"team","op":"eq","values":["Atlas"]}]""";

    [Fact]
    public async Task Diagnosis_of_A7_pins_baselines_z_scores_contributions_peers_and_trend()
    {
        var result = await QueryAsync($$$"""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":{{{Atlas}}},"time":{"type":"last_sprints","n":1}}""", AfterA7);

        var team = Assert.Single(result.Analysis!.Teams);
        Assert.Equal("Atlas", team.Team);
        var sprint = Assert.Single(team.Sprints);
        Assert.Equal("A7", sprint.SprintKey);
        var expectedScore = 0.0;
        foreach (var (metric, (z, weight, direction)) in A7)
        {
            var c = sprint.Components.Single(x => x.Metric == metric);
            var history = Values[metric];
            // baseline: mean of A2..A6 (the 6 closed sprints before A7 minus low-sample A1), 5 values
            Near(history[..5].Average(), c.Baseline, $"{metric} baseline");
            Assert.Equal(5, c.BaselineSprints);
            Near(history[5], c.Value, $"{metric} value");
            Near(z, c.Z, $"{metric} z");
            // every component has a z, so the weights sum to 1 and the contribution is weight × clip(direction × z)
            var contribution = weight * Math.Clamp(direction * z, -3, 3);
            Near(contribution, c.Contribution, $"{metric} contribution");
            expectedScore += contribution;
            Assert.Equal(weight, c.Weight);
            Assert.Equal(direction, c.Direction);
            // trend: least squares over A2..A7 (A1 is low-sample), x = 1..6
            Near(Slope(history[..6]), c.Trend.SlopePerSprint, $"{metric} slope");
            Assert.Equal(6, c.Trend.Sprints);
        }

        Near(expectedScore, sprint.ProblemScore, "problem score");
        Near(sprint.ProblemScore!.Value, sprint.Components.Sum(c => c.Contribution ?? 0), "contributions sum to the score");

        // peers: Borealis's latest sprint closed by A7's close is B2 (blocked 0, cycle time 5.5, no commitment ratios)
        var blocked = sprint.Components.Single(c => c.Metric == "blocked_hours").Level;
        Assert.Equal(new PeerLevel(0, null, 1, 2), blocked); // 80 h against 0: worst of 2, no finite ratio
        var cycle = sprint.Components.Single(c => c.Metric == "cycle_time_p50").Level;
        Near(4 / 5.5, cycle.Ratio, "cycle time ratio to the peer median");
        Assert.Equal(2, cycle.Rank);
        Assert.Null(sprint.Components.Single(c => c.Metric == "spillover_ratio").Level.Rank); // B2 committed nothing

        // the ranking rule orders by priority = max of the signals
        var priorities = sprint.Components.Select(c => c.Signals.Priority ?? double.MinValue).ToList();
        Assert.Equal(priorities.OrderDescending(), priorities);
        Assert.Equal(Enumerable.Range(1, 6), sprint.Components.Select(c => c.Rank));
        Assert.Equal(2, team.Summary.Count);
        Assert.StartsWith($"{sprint.Sprint}: problem score {expectedScore.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", team.Summary[0], StringComparison.Ordinal);
        Assert.Contains($"{sprint.Components[0].DisplayName} stood out first", team.Summary[0], StringComparison.Ordinal);
        Assert.StartsWith("Completed points went from 14 to 8 (−6)", team.Summary[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problem_scores_and_contributions_of_A6_A7_and_A8_equal_the_known_answers()
    {
        // A6 and A7: Atlas's last two closed sprints after A7; A8: its sprint in progress. Known answers: KnownAnswerViewTests.
        var closed = await QueryAsync($$$"""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":{{{Atlas}}},"time":{"type":"last_sprints","n":2}}""", AfterA7);
        var current = await QueryAsync($$$"""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", DuringA8);
        var sprints = Assert.Single(closed.Analysis!.Teams).Sprints.Concat(Assert.Single(current.Analysis!.Teams).Sprints).ToDictionary(s => s.SprintKey);

        Assert.Equal(KnownAnswerViewTests.ZSprints, sprints.Keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < KnownAnswerViewTests.ZSprints.Length; i++)
        {
            var sprint = sprints[KnownAnswerViewTests.ZSprints[i]];
            Near(KnownAnswerViewTests.ScoreExpected[i], sprint.ProblemScore, $"{sprint.SprintKey} score");
            foreach (var (component, values) in KnownAnswerViewTests.ContributionsExpected)
            {
                Near(values[i], sprint.Components.Single(c => c.Metric == component).Contribution, $"{sprint.SprintKey} contribution of {component}");
            }
        }

        // Sprints whose components have no z-score (too little history) have no score: A1 and A5, team B.
        var bySprint = await QueryAsync("""{"metrics":["sprint_problematic_score"],"group_by":["sprint"],"time":{"type":"all"}}""", DuringA8);
        var scores = bySprint.Rows.ToDictionary(r => (string)r["sprint_key"]!, r => r["sprint_problematic_score"]);
        foreach (var sprint in new[] { "A1", "A5", "B1", "B2" })
        {
            Assert.Null(scores[sprint]);
        }

        Near(KnownAnswerViewTests.ScoreExpected[0], Number(bySprint.Rows.Single(r => (string)r["sprint_key"]! == "A6"), "sprint_problematic_score"), "A6 score by sprint");
    }

    [Fact]
    public async Task Completed_points_change_from_A6_to_A7_decomposes_into_parts_that_add_up()
    {
        var result = await QueryAsync($$$"""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":{{{Atlas}}},"time":{"type":"last_sprints","n":1}}""", AfterA7);
        var change = Assert.Single(result.Analysis!.Teams).Change!;

        // A6: A-18 carried (2) done, A-20 (8) done (given), A-23 (3) done, A-24 (unestimated, 0) unfinished, +A-22 (1) done → 14.
        // A7: A-25 (5) done, A-26 (3) unfinished, A-27 (2 → 1) done, A-28 (2) done, A-29 (1) removed → 8.
        var expected = new Dictionary<string, (double Previous, double Current)>
        {
            ["committed"] = (2 + 8 + 3 + 0 - 2 + 2 - 2, 5 + 3 + 2 + 2 + 1), // committed start points minus the carried ones
            ["carried_over"] = (2, 0),
            ["scope_added"] = (1, 0),
            ["re_estimated"] = (0, 1 - 2), // A-27 re-estimated 2 → 1
            ["scope_removed"] = (0, 1),
            ["reopened"] = (0, 0),
            ["unfinished"] = (0, 3), // A-24 has no estimate
        };
        Assert.Equal(14, change.PreviousCompleted);
        Assert.Equal(8, change.Completed);
        Assert.Equal(-6, change.Change);
        Assert.Equal(PointsDecomposition.Parts.Select(p => p.Name), change.Parts.Select(p => p.Name));
        foreach (var part in change.Parts)
        {
            var (previous, current) = expected[part.Name];
            Assert.Equal(previous, part.Previous);
            Assert.Equal(current, part.Current);
            var sign = PointsDecomposition.Parts.Single(p => p.Name == part.Name).Sign;
            Assert.Equal(sign * (current - previous), part.Points);
        }

        Assert.Equal(change.Change, change.Parts.Sum(p => p.Points), 9);
        // each side's identity: completed = committed + carried + added + re-estimated − removed − reopened − unfinished
        foreach (var (side, completed) in new[] { (0, change.PreviousCompleted), (1, change.Completed) })
        {
            Assert.Equal(completed, change.Parts.Sum(p => PointsDecomposition.Parts.Single(x => x.Name == p.Name).Sign * (side == 0 ? p.Previous : p.Current)), 9);
        }
    }

    [Fact]
    public async Task Anomalies_of_the_active_sprint_are_the_components_at_two_sigma_or_more()
    {
        var result = await QueryAsync($$$"""{"analysis":"anomalies","metrics":["sprint_problematic_score"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", DuringA8);

        // A8's component z-scores: spillover +3, say/do −3, churn −0.21, blocked +1.69, reopen −0.41, cycle time −1.97 (just under 2)
        var anomalies = result.Analysis!.Anomalies;
        Assert.Equal(["spillover_ratio", "say_do_ratio"], anomalies.Select(a => a.Metric).Order(StringComparer.Ordinal).Reverse());
        Assert.All(anomalies, a => Assert.Equal("A8", a.SprintKey));
        Assert.All(anomalies, a => Assert.Equal("worse", a.Judgement)); // spillover up, say/do down
        Near(Values["spillover_ratio"][..6].Average(), anomalies.Single(a => a.Metric == "spillover_ratio").Baseline, "spillover baseline (A2..A7)");
        Near(Values["say_do_ratio"][..6].Average(), anomalies.Single(a => a.Metric == "say_do_ratio").Baseline, "say/do baseline (A2..A7)");
        Assert.Equal(anomalies.Count, result.Rows.Count);
        Assert.Contains("2 sprint metrics in 1 sprint", Assert.Single(result.Analysis.Summary), StringComparison.Ordinal);

        // restricted to named metrics: planned_sp z +2.31 is one; velocity (−1.996) is not
        var named = await QueryAsync($$$"""{"analysis":"anomalies","metrics":["velocity","planned_sp"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", DuringA8);
        var planned = Assert.Single(named.Analysis!.Anomalies);
        Assert.Equal("planned_sp", planned.Metric);
        Near(13, planned.Baseline, "planned_sp baseline");
    }

    [Fact]
    public async Task A_low_sample_sprint_is_never_an_anomaly_nor_flagged()
    {
        // the same bundle with A8 cut to two committed issues (A-26 unfinished, A-35 done): low-sample. Its spillover, 3/6
        // against a baseline of 1/6, still gets a z-score in the view (+3), but neither the analysis nor the flags report it.
        var (db, _) = await SeedAsync();
        var (slug, tenantId) = await server.OnceAsync($"{nameof(DiagnosisKnownAnswerTests)}:low-sample", async () =>
        {
            var bundle = Build();
            string[] dropped = ["A-30", "A-31", "A-32", "A-34"];
            var cut = bundle with { Memberships = bundle.Memberships.Where(m => !(m.SprintKey == "A8" && dropped.Contains(m.IssueKey))).ToList() };
            return await ImportAsync(db, cut);
        });
        using var host = QueryFixture.Host(db);
        var executor = QueryFixture.Executor(host);

        var anomalies = await executor.ExecuteAsync(
            $$$"""{"analysis":"anomalies","metrics":["spillover_ratio"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", slug, DuringA8, null, Ct);
        var single = await executor.ExecuteAsync(
            $$$"""{"metrics":["spillover_ratio"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", slug, DuringA8, null, Ct);

        await using (var session = await Infrastructure.Data.TenantSession.BeginAsync(db.DataSources.Runtime, tenantId, Ct))
        {
            // A8's z-score as the builder computes it for any sprint (ZScoreSql): what the exclusion must hide.
            var catalog = CatalogLoader.Load(Path.Combine(RepoPaths.Root, "catalog")).Catalog;
            var p = new SqlParameters();
            var ctes = ZScoreSql.Ctes("scores", [catalog.Get("spillover_ratio")], "SELECT sprint_key FROM sprint_stats WHERE sprint_key = 'A8'", null, catalog, p);
            await using var command = session.Command(
                $"WITH {string.Join(",\n", ctes)}\nSELECT s.low_sample, z.spillover_ratio__z::float8 FROM scores z JOIN sprint_stats s ON s.sprint_key = z.sprint_key WHERE z.sprint_key = 'A8'");
            foreach (var value in p.Values)
            {
                command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
            }

            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.True(reader.GetBoolean(0));
            Assert.Equal(3, reader.GetDouble(1));
        }

        Near(0.5, Number(Assert.Single(single.Rows), "spillover_ratio"), "A8 spillover");
        Assert.Empty(anomalies.Analysis!.Anomalies);
        Assert.Null(single.Rows[0]["spillover_ratio__z"]);
        Assert.False((bool)single.Rows[0]["spillover_ratio__anomaly"]!);
    }

    [Fact]
    public async Task Sprint_grain_rows_carry_z_baseline_and_a_flag_at_two_sigma()
    {
        var bySprint = await QueryAsync($$$"""{"metrics":["spillover_ratio"],"group_by":["sprint"],"filters":{{{Atlas}}},"time":{"type":"last_sprints","n":3}}""", AfterA7);

        Assert.Equal(["A5", "A6", "A7"], bySprint.Rows.Select(r => (string)r["sprint_key"]!));
        Assert.Contains(bySprint.Columns, c => c.Name == "spillover_ratio__z" && c.Kind == "zscore");
        Assert.Contains(bySprint.Columns, c => c.Name == "spillover_ratio__baseline" && c.Kind == "baseline" && c.Unit == "ratio");
        var spill = Values["spillover_ratio"];
        // A5: only 3 earlier eligible sprints — a baseline but no z, no flag
        Assert.Null(bySprint.Rows[0]["spillover_ratio__z"]);
        Near(spill[..3].Average(), Number(bySprint.Rows[0], "spillover_ratio__baseline"), "A5 baseline");
        Assert.False((bool)bySprint.Rows[0]["spillover_ratio__anomaly"]!);
        // A6: 0 against A2..A5 → clipped −3, flagged
        Near(-3, Number(bySprint.Rows[1], "spillover_ratio__z"), "A6 z");
        Near(spill[..4].Average(), Number(bySprint.Rows[1], "spillover_ratio__baseline"), "A6 baseline");
        Assert.True((bool)bySprint.Rows[1]["spillover_ratio__anomaly"]!);
        // A7: +0.82, not flagged
        Near(A7["spillover_ratio"].Z, Number(bySprint.Rows[2], "spillover_ratio__z"), "A7 z");
        Assert.False((bool)bySprint.Rows[2]["spillover_ratio__anomaly"]!);

        // a single-sprint answer (the current sprint of one team) is sprint-grain too
        var single = await QueryAsync($$$"""{"metrics":["spillover_ratio","wip"],"filters":{{{Atlas}}},"time":{"type":"current_sprint"}}""", DuringA8);
        var row = Assert.Single(single.Rows);
        Near(3, Number(row, "spillover_ratio__z"), "A8 z");
        Near(spill[..6].Average(), Number(row, "spillover_ratio__baseline"), "A8 baseline");
        Assert.True((bool)row["spillover_ratio__anomaly"]!);
        Assert.DoesNotContain(single.Columns, c => c.Name == "wip__z"); // not a sprint-grain metric

        // rows that slice sprints (by assignee) are not sprint-grain: no flags
        var byAssignee = await QueryAsync("""{"metrics":["spillover_ratio"],"group_by":["assignee"],"time":{"type":"last_sprints","n":1}}""", AfterA7);
        Assert.DoesNotContain(byAssignee.Columns, c => c.Kind == "zscore");
    }

    [Fact]
    public async Task A_sprint_series_lists_every_sprint_of_the_window_with_null_where_there_is_no_data()
    {
        // bugs only: A3 and A5 hold no bug, so they have no rows — listed anyway, as null (not 0, not dropped)
        var result = await QueryAsync(
            """{"metrics":["completed_issues"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]},{"dimension":"issue_type","op":"eq","values":["Bug"]}],"time":{"type":"last_sprints","n":6}}""",
            AfterA7);

        Assert.Equal(["A2", "A3", "A4", "A5", "A6", "A7"], result.Rows.Select(r => (string)r["sprint_key"]!));
        Assert.Null(result.Rows[1]["completed_issues"]);
        Assert.Null(result.Rows[3]["completed_issues"]);
        Assert.Equal([1.0, 1.0, 1.0, 1.0], new[] { 0, 2, 4, 5 }.Select(i => Number(result.Rows[i], "completed_issues")!.Value));
    }

    [Fact]
    public async Task A_weekly_series_lists_every_monday_of_the_window()
    {
        var result = await QueryAsync(
            $$$"""{"metrics":["completed_sp"],"group_by":["week"],"filters":{{{Atlas}}},"time":{"type":"between","from":"2026-01-01","to":"2026-02-28"}}""",
            DuringA8);

        // every Monday from the week of 2026-01-01 (Mon 2025-12-29) through the week of 2026-02-28
        var mondays = new List<string>();
        for (var d = new DateOnly(2025, 12, 29); d <= new DateOnly(2026, 2, 28); d = d.AddDays(7))
        {
            mondays.Add(d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(mondays, result.Rows.Select(r => (string)r["week"]!));
        // closes: A1 Fri 01-16 (week 01-12) 8, A2 Fri 01-30 (week 01-26) 11, A3 Mon 02-16 08:00 (week 02-16) 8, A4 Fri 02-27 (week 02-23) 12
        var expected = new Dictionary<string, double> { ["2026-01-12"] = 8, ["2026-01-26"] = 11, ["2026-02-16"] = 8, ["2026-02-23"] = 12 };
        foreach (var row in result.Rows)
        {
            var week = (string)row["week"]!;
            Assert.Equal(expected.TryGetValue(week, out var v) ? v : null, Number(row, "completed_sp"));
        }
    }

    [Fact]
    public async Task A_monthly_series_lists_every_month_up_to_as_of()
    {
        var result = await QueryAsync(
            $$$"""{"metrics":["completed_sp"],"group_by":["team","month"],"filters":{{{Atlas}}},"time":{"type":"between","from":"2025-11-01","to":"2026-06-30"}}""",
            DuringA8);

        // the window reaches past as_of (04-20): buckets stop at April
        Assert.Equal(["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"], result.Rows.Select(r => (string)r["month"]!));
        Assert.All(result.Rows, r => Assert.Equal("Atlas", (string)r["team"]!));
        Assert.Null(result.Rows[0]["completed_sp"]);
        Assert.Null(result.Rows[1]["completed_sp"]);
        Assert.Equal(8 + 11, Number(result.Rows[2], "completed_sp")); // A1, A2
        Assert.Equal(11 + 14, Number(result.Rows[4], "completed_sp")); // A5, A6
    }

    [Fact]
    public async Task A_quarterly_series_lists_empty_quarters_as_null()
    {
        var result = await QueryAsync(
            $$$"""{"metrics":["completed_sp"],"group_by":["quarter"],"filters":{{{Atlas}}},"time":{"type":"between","from":"2025-07-01","to":"2026-03-31"}}""",
            DuringA8);

        Assert.Equal(["2025-Q3", "2025-Q4", "2026-Q1"], result.Rows.Select(r => (string)r["quarter"]!));
        Assert.Null(result.Rows[0]["completed_sp"]);
        Assert.Null(result.Rows[1]["completed_sp"]);
        Assert.Equal(8 + 11 + 8 + 12 + 11 + 14, Number(result.Rows[2], "completed_sp")); // A1..A6
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static double Slope(double[] y)
    {
        var n = y.Length;
        var xs = Enumerable.Range(1, n).Select(i => (double)i).ToArray();
        var mx = xs.Average();
        var my = y.Average();
        return xs.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
    }

    private static double? Number(JsonObject row, string column) => row[column]?.GetValue<double>();

    private static void Near(double expected, double? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: expected {expected}, got null");
        Assert.True(Math.Abs(actual!.Value - expected) <= Tolerance, $"{what}: expected {expected}, got {actual}");
    }

    private async Task<QueryResult> QueryAsync(string spec, DateTimeOffset asOf)
    {
        var (db, slug) = await SeedAsync();
        using var host = QueryFixture.Host(db);
        return await QueryFixture.Executor(host).ExecuteAsync(spec, slug, asOf, null, Ct);
    }

    private async Task<(TestDatabase Db, string Slug)> SeedAsync()
    {
        var db = await server.DatabaseAsync(nameof(DiagnosisKnownAnswerTests));
        var slug = await server.OnceAsync($"{nameof(DiagnosisKnownAnswerTests)}:tenant", async () =>
        {
            var catalog = await TestData.CliAsync(db, "catalog", "import", Path.Combine(RepoPaths.Root, "catalog"));
            Assert.True(catalog.ExitCode == 0, catalog.Error);
            return (await ImportAsync(db, Build())).Slug;
        });
        return (db, slug);
    }

    private static async Task<(string Slug, Guid Id)> ImportAsync(TestDatabase db, CsvBundle bundle)
    {
        var name = TestData.NewSlug("known");
        var id = await TestData.CreateTenantAsync(db, name);
        var folder = Directory.CreateTempSubdirectory("spiral-diagnosis-").FullName;
        try
        {
            CsvBundleWriter.Write(folder, bundle);
            using var host = db.BuildHost();
            await host.Services.GetRequiredService<BundleImporter>().ImportAsync(folder, name, CancellationToken.None);
            await host.Services.GetRequiredService<AnalyticsRefresher>().RefreshAsync(null, CancellationToken.None);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return (name, id);
    }
}
