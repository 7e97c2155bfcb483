using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Tests.Specs;

namespace SpiralAnalytics.Core.Tests.Diagnosis;

/// <summary>The pure parts of the analyses: the ranking signals and order, the decomposition identity, sentences, the SQL's shape.</summary>
public sealed class DiagnosisUnitTests
{
    [Fact]
    public void Level_counts_each_doubling_against_the_peer_median_as_one_and_caps_it()
    {
        Assert.Equal(1, ComponentRanking.LevelSignal(0.4, 0.2, 1, "ratio")!.Value, 9);
        Assert.Equal(-1, ComponentRanking.LevelSignal(0.4, 0.8, 1, "ratio")!.Value, 9);
        // higher is better (say/do): half the peers' value is one step worse
        Assert.Equal(1, ComponentRanking.LevelSignal(0.4, 0.8, -1, "ratio")!.Value, 9);
        // 15× the others is log2 15; 20× is capped at 4
        Assert.Equal(Math.Log2(15), ComponentRanking.LevelSignal(660, 44, 1, "hours")!.Value, 9);
        Assert.Equal(ComponentRanking.MaxLevel, ComponentRanking.LevelSignal(880, 44, 1, "hours"));
        // a zero median takes the unit's floor on both sides instead of dividing by zero: (3 + 1) / (0 + 1)
        Assert.Equal(2, ComponentRanking.LevelSignal(3, 0, 1, "hours")!.Value, 9);
        Assert.Equal(Math.Log2((0.1 + 0.05) / 0.05), ComponentRanking.LevelSignal(0.1, 0, 1, "ratio")!.Value, 9);
        Assert.Null(ComponentRanking.LevelSignal(null, 0.2, 1, "ratio"));
        Assert.Null(ComponentRanking.LevelSignal(0.2, null, 1, "ratio"));
    }

    [Fact]
    public void Trend_is_the_fitted_change_over_the_sprints_relative_to_their_mean()
    {
        // +0.01 per sprint over 8 sprints around a mean of 0.2: 0.07 / (0.2 + 0.05)
        Assert.Equal(0.07 / 0.25, ComponentRanking.TrendSignal(0.01, 8, 0.2, 1, "ratio")!.Value, 9);
        Assert.Equal(-0.07 / 0.25, ComponentRanking.TrendSignal(0.01, 8, 0.2, -1, "ratio")!.Value, 9);
        Assert.Equal(ComponentRanking.MaxTrend, ComponentRanking.TrendSignal(100, 8, 10, 1, "hours"));
        Assert.Null(ComponentRanking.TrendSignal(0.01, 2, 0.2, 1, "ratio")); // two sprints are no trend
    }

    [Fact]
    public void Priority_is_the_strongest_signal_and_orders_components()
    {
        var chronic = ComponentRanking.Signals(0.4, 4, 0.4); // Orion's blocked time: small z, far above the other teams
        var acute = ComponentRanking.Signals(2.4, 1.2, 0.7); // a one-sprint outlier
        var none = ComponentRanking.Signals(null, null, null);
        Assert.Equal((4.0, "level"), (chronic.Priority!.Value, chronic.Strongest));
        Assert.Equal((2.4, "z"), (acute.Priority!.Value, acute.Strongest));
        Assert.Null(none.Priority);

        var tie = ComponentRanking.Signals(1, 0, 0);
        var tieWithMore = ComponentRanking.Signals(1, 0.5, 0);
        var items = new[] { ("none", none, 0.3), ("acute", acute, 0.2), ("tie", tie, 0.25), ("chronic", chronic, 0.15), ("tie-more", tieWithMore, 0.1) };
        Assert.Equal(["chronic", "acute", "tie-more", "tie", "none"], ComponentRanking.Order(items, x => x.Item2, x => x.Item3).Select(x => x.Item1));
    }

    [Fact]
    public void The_decomposition_adds_up_and_flips_the_sign_of_what_leaves()
    {
        var raw = new Dictionary<string, double>
        {
            ["prev_sprints"] = 1, ["prev_completed"] = 20, ["cur_sprints"] = 1, ["cur_completed"] = 15,
            ["prev_committed"] = 18, ["cur_committed"] = 16, ["prev_carried_over"] = 2, ["cur_carried_over"] = 5,
            ["prev_scope_added"] = 3, ["cur_scope_added"] = 1, ["prev_re_estimated"] = 1, ["cur_re_estimated"] = -1,
            ["prev_scope_removed"] = 2, ["cur_scope_removed"] = 1, ["prev_reopened"] = 0, ["cur_reopened"] = 2,
            ["prev_unfinished"] = 2, ["cur_unfinished"] = 3,
        };
        var change = PointsDecomposition.From(c => raw.TryGetValue(c, out var v) ? v : null)!;

        Assert.Equal(-5, change.Change);
        Assert.Equal(change.Change, change.Parts.Sum(p => p.Points), 9);
        Assert.Equal(-2, change.Parts.Single(p => p.Name == "committed").Points);
        Assert.Equal(-2, change.Parts.Single(p => p.Name == "reopened").Points); // more reopened work: fewer points completed
        Assert.Equal(1, change.Parts.Single(p => p.Name == "scope_removed").Points); // less removed: more completed
        Assert.Null(PointsDecomposition.From(_ => null));
        Assert.Equal(["prev_sprints", "prev_completed"], PointsDecomposition.Columns.Take(2));
    }

    [Fact]
    public void Sentences_state_the_numbers_of_the_top_component_and_the_largest_moves()
    {
        var component = new ComponentDiagnosis(1, "blocked_hours", "Blocked time", "hours", 0.15, 1, 661.4, 531.7, 6, 0.37, 0.06,
            new PeerLevel(36.5, 18.1, 1, 5), new ComponentTrend(29.2, 8, 560), ComponentRanking.Signals(0.37, 4, 0.36));
        var sprint = new DiagnosedSprint("Orion Sprint 25", "ORI-S25", "closed", null, false, 0.63, [component]);
        var change = new CompletedPointsChange(1, 122, 1, 86, -36,
            [new ChangePart("committed", 4, 100, 104), new ChangePart("carried_over", -32, 40, 8), new ChangePart("unfinished", -8, 10, 18)]);

        var text = DiagnosisText.Team("Orion", sprint, change);

        Assert.Equal(
            "Orion Sprint 25: problem score 0.63; Blocked time stood out first (far from the other teams): 661 h against a baseline of 532 h (z +0.4), " +
            "18× the other teams' median (worst of 5), flat over the last 8 sprints.", text[0]);
        Assert.Equal("Completed points went from 122 to 86 (−36) against the previous sprint; the largest moves: carried over −32, unfinished −8.", text[1]);
        Assert.Equal("44%", DiagnosisText.Value(0.436, "ratio"));
    }

    [Fact]
    public void Diagnose_sql_reads_only_tenant_views_and_takes_weights_from_the_catalog_as_parameters()
    {
        var spec = SpecJson.Parse("""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Orion"]}],"time":{"type":"last_sprints","n":1}}""").Spec!;
        var built = QueryBuilder.Build(spec, SpecTestData.Catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));

        var composite = SpecTestData.Catalog.Get("sprint_problematic_score");
        foreach (var component in composite.Components!)
        {
            Assert.Contains(component.Metric, built.Parameters.OfType<string>());
            Assert.Contains($"z.{component.Metric}__z", built.Sql, StringComparison.Ordinal);
        }

        Assert.Contains(built.Parameters, p => p is double d && d == composite.Components![0].Weight);
        Assert.Contains(built.Parameters, p => p is string[] a && a.SequenceEqual(["Orion"]));
        Assert.DoesNotContain("Orion", built.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("0.25", built.Sql, StringComparison.Ordinal); // the weight is a parameter, not text
        Assert.Equal(DiagnosisQuery.Columns, built.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Anomaly_sql_excludes_low_sample_sprints_and_uses_the_two_sigma_threshold()
    {
        var spec = SpecJson.Parse("""{"analysis":"anomalies","metrics":["velocity","spillover_ratio"]}""").Spec!;
        var built = QueryBuilder.Build(spec, SpecTestData.Catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));

        Assert.Contains("NOT l.low_sample AND abs(l.z) >= $", built.Sql, StringComparison.Ordinal);
        Assert.Contains(AnalysisSql.AnomalyZ, built.Parameters.OfType<double>());
        Assert.Equal([TimeResolver.DefaultWindowWarning], built.Warnings);
        Assert.Contains("z.velocity__z", built.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("say_do_ratio", built.Sql, StringComparison.Ordinal); // only the named metrics
    }

    [Fact]
    public void An_analysis_of_a_metric_without_a_z_score_is_a_spec_error()
    {
        // A composite of composites: its first component is made of z-scores itself and has no per-sprint z-score.
        var score = SpecTestData.Catalog.Get("sprint_problematic_score");
        var catalog = new MetricCatalog(SpecTestData.Catalog.All.Append(score with
        {
            Name = "score_of_scores", DisplayName = "Score of scores", Synonyms = ["sos1", "sos2", "sos3"],
            Components = [new CompositeComponent("sprint_problematic_score", 0.5, 1), new CompositeComponent("spillover_ratio", 0.5, 1)],
            DependsOn = ["sprint_problematic_score", "spillover_ratio"],
        }));
        var spec = SpecJson.Parse("""{"analysis":"anomalies","metrics":["score_of_scores"]}""").Spec!;

        var error = Assert.Single(new SpecValidator(catalog).Errors(spec));

        Assert.Equal(("metrics[0]", "analysis_metric"), (error.Path, error.Rule));
        Assert.Contains("'sprint_problematic_score' has none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tenant_sql_metric_is_scored_over_its_own_per_sprint_values()
    {
        // One value per sprint from an admin's SELECT: the z-scores join it to each sprint of the series, like an answer by sprint.
        var goal = SpecTestData.Catalog.Get("say_do_ratio") with
        {
            Name = "goal_met_share", DisplayName = "Goal met share", Synonyms = ["gm1", "gm2", "gm3"], Type = MetricTypes.Sql, Layer = CatalogLayers.Tenant,
            Numerator = null, Denominator = null, Sql = "SELECT s.sprint_key, 1.0 AS value FROM sprint_stats s", Output = ["sprint_key", "value"], Rollup = "avg",
            Dimensions = ["team", "sprint"], DependsOn = [],
        };
        var catalog = new MetricCatalog(SpecTestData.Catalog.All.Append(goal));
        var spec = SpecJson.Parse("""{"analysis":"anomalies","metrics":["goal_met_share"]}""").Spec!;

        Assert.True(ZScoreSql.CanScore(goal));
        Assert.Empty(new SpecValidator(catalog).Errors(spec));
        var built = QueryBuilder.Build(spec, catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));
        Assert.Contains("SELECT s.sprint_key, 1.0 AS value FROM sprint_stats s", built.Sql, StringComparison.Ordinal);
        Assert.Contains("avg(m.value) AS goal_met_share", built.Sql, StringComparison.Ordinal);
        Assert.Contains("z.goal_met_share__z", built.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Which_metrics_have_z_scores_follows_from_their_definitions_not_from_a_list()
    {
        // A copy of velocity under another name is scored: its per-sprint value comes from its own definition.
        var catalog = new MetricCatalog(SpecTestData.Catalog.All
            .Append(SpecTestData.Catalog.Get("velocity") with { Name = "velocity_copy", DisplayName = "Velocity copy", Synonyms = ["vc1", "vc2", "vc3"] }));
        var spec = SpecJson.Parse("""{"analysis":"anomalies","metrics":["velocity_copy"]}""").Spec!;

        Assert.Empty(new SpecValidator(catalog).Errors(spec));
        var built = QueryBuilder.Build(spec, catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));
        Assert.Contains("sum(v.completed_points) AS completed_points", built.Sql, StringComparison.Ordinal);
        Assert.Contains("z.velocity_copy__z", built.Sql, StringComparison.Ordinal);
        Assert.False(ZScoreSql.CanScore(catalog.Get("stuck_count")));
        Assert.True(ZScoreSql.CanScore(catalog.Get("cycle_time_p50")));
        Assert.Equal(new ZScale(true, 0.1), ZScoreSql.Scale(catalog.Get("blocked_hours")));
        Assert.Equal(new ZScale(false, 0.05), ZScoreSql.Scale(catalog.Get("spillover_ratio")));
        Assert.Equal(new ZScale(false, 1), ZScoreSql.Scale(catalog.Get("velocity")));
    }

    [Fact]
    public void Composed_diagnosis_ranks_by_priority_and_keeps_the_table_in_the_same_order()
    {
        JsonObject Row(string component, double weight, int direction, double value, double z, double median) => new()
        {
            ["team_key"] = "ORI", ["team"] = "Orion", ["sprint_key"] = "ORI-S25", ["sprint"] = "Orion Sprint 25", ["sprint_state"] = "closed",
            ["low_sample"] = false, ["problem_score"] = 0.5, ["component"] = component, ["weight"] = weight, ["direction"] = direction,
            ["value"] = value, ["baseline"] = value, ["baseline_n"] = 6, ["z"] = z, ["contribution"] = weight * direction * z,
            ["peer_median"] = median, ["peer_n"] = 4, ["peers_worse"] = 0, ["trend_slope"] = 0, ["trend_n"] = 8, ["trend_mean"] = value,
        };
        var rows = new List<JsonObject>
        {
            Row("spillover_ratio", 0.25, 1, 0.3, 2.4, 0.2), // z 2.4, level log2(1.5) ≈ 0.58
            Row("blocked_hours", 0.15, 1, 660, 0.4, 40), // level capped at 4
        };

        var answer = DiagnosisComposer.Diagnose(rows, SpecTestData.Catalog);

        var sprint = answer.Report.Teams.Single().Sprints.Single();
        Assert.Equal(["blocked_hours", "spillover_ratio"], sprint.Components.Select(c => c.Metric));
        Assert.Equal(["blocked_hours", "spillover_ratio"], answer.Rows.Select(r => (string)r["component"]!));
        Assert.Equal(ComponentRanking.Rule, answer.Report.RankingRule);
        Assert.Null(answer.Report.Teams.Single().Change); // no decomposition columns: no change
    }
}
