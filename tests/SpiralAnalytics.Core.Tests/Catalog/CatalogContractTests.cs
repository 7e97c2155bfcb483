using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Tests.Catalog;

/// <summary>The shipped catalog keeps its contract: names, dependencies, weights, dimensions, synonyms, versions.</summary>
public sealed class CatalogContractTests
{
    private static MetricCatalog Catalog => ShippedCatalog.Catalog;

    [Fact]
    public void Shipped_catalog_has_no_problems() =>
        Assert.Empty(ShippedCatalog.Result.Problems.Select(p => p.ToString()));

    [Fact]
    public void Shipped_catalog_holds_exactly_the_contract_names_one_file_each()
    {
        Assert.Equal(ShippedCatalog.ContractNames.Order(StringComparer.Ordinal), Catalog.Names);
        Assert.Equal(ShippedCatalog.ContractNames.Order(StringComparer.Ordinal).Select(n => n + ".yaml"),
            Directory.GetFiles(ShippedCatalog.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_dependency_exists_and_none_is_circular()
    {
        foreach (var metric in Catalog.All)
        {
            Assert.All(metric.DependsOn, d => Assert.NotNull(Catalog.Find(d)));
            Assert.DoesNotContain(metric, Catalog.WithDependencies(metric.Name).SkipLast(1));
        }
    }

    [Fact]
    public void Ratios_derived_and_composites_depend_on_the_metrics_whose_measures_they_reuse()
    {
        foreach (var metric in Catalog.All.Where(m => m.Type is MetricTypes.Ratio or MetricTypes.Derived))
        {
            var reused = Catalog.All
                .Where(other => other.Name != metric.Name && other.Type == MetricTypes.Simple && metric.Measures.Contains(other.Measure))
                .Select(other => other.Name);
            Assert.All(reused, r => Assert.Contains(r, metric.DependsOn));
        }

        var composite = Catalog.Get("sprint_problematic_score");
        Assert.Equal(composite.Components!.Select(c => c.Metric).Order(StringComparer.Ordinal), composite.DependsOn.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Composite_weights_sum_to_one_over_z_scored_components()
    {
        var composites = Catalog.All.Where(m => m.Type == MetricTypes.Composite).ToList();
        Assert.NotEmpty(composites);
        foreach (var composite in composites)
        {
            Assert.Equal(1.0, composite.Components!.Sum(c => c.Weight), 9);
            Assert.All(composite.Components!, c => Assert.True(SpiralAnalytics.Core.Specs.ZScoreSql.CanScore(Catalog.Get(c.Metric)), c.Metric));
        }

        Assert.Equal(
            [("spillover_ratio", 0.25, 1), ("say_do_ratio", 0.2, -1), ("scope_churn_ratio", 0.2, 1), ("blocked_hours", 0.15, 1), ("reopen_rate", 0.1, 1), ("cycle_time_p50", 0.1, 1)],
            Catalog.Get("sprint_problematic_score").Components!.Select(c => (c.Metric, c.Weight, c.Direction)));
    }

    [Fact]
    public void Every_dimension_exists_and_is_offered_by_the_views_of_all_its_measures()
    {
        foreach (var metric in Catalog.All)
        {
            var views = metric.Type == MetricTypes.Composite
                ? [AnalyticsModel.SprintStats]
                : metric.Measures.Select(m => AnalyticsModel.FindMeasure(m)!.View).ToList();
            Assert.All(metric.Dimensions, d =>
            {
                Assert.Contains(d, Dimensions.All);
                Assert.All(views, v => Assert.Contains(d, v.Dimensions));
            });
        }
    }

    [Fact]
    public void Every_measure_is_in_the_analytics_model_and_the_time_column_is_its_measures()
    {
        foreach (var metric in Catalog.All.Where(m => m.Type != MetricTypes.Composite))
        {
            var measures = metric.Measures.Select(AnalyticsModel.FindMeasure).ToList();
            Assert.All(measures, Assert.NotNull);
            Assert.Contains(metric.TimeColumn, measures.Select(m => m!.TimeColumn));
        }
    }

    [Fact]
    public void Every_metric_has_three_or_more_synonyms_and_a_semantic_version()
    {
        Assert.All(Catalog.All, m =>
        {
            Assert.True(m.Synonyms.Count >= 3, $"{m.Name} has {m.Synonyms.Count} synonyms");
            Assert.True(SemanticVersion.TryParse(m.Version, out _), $"{m.Name}: {m.Version}");
        });
    }

    [Fact]
    public void No_synonym_leads_to_two_metrics()
    {
        var owners = Catalog.All
            .SelectMany(m => m.Synonyms.Select(s => (Phrase: CatalogText.Normalize(s), m.Name))
                .Concat([(Phrase: CatalogText.NameAsWords(m.Name), m.Name), (Phrase: CatalogText.Normalize(m.DisplayName), m.Name)]))
            .Distinct()
            .GroupBy(x => x.Phrase)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Name))}");
        Assert.Empty(owners);
    }

    [Theory]
    [InlineData("planning accuracy", "say_do_ratio")]
    [InlineData("planning deviation", "accuracy_abs")]
    [InlineData("planning gap", "accuracy_abs")]
    [InlineData("carryover", "carryover_ratio")]
    [InlineData("spillover", "spillover_ratio")]
    [InlineData("rollover", "spillover_ratio")]
    [InlineData("throughput", "issues_closed")]
    [InlineData("lead time", "lead_time_p50")]
    [InlineData("cycle time", "cycle_time_p50")]
    [InlineData("Say/Do", "say_do_ratio")]
    public void Contested_phrases_lead_to_the_metric_we_decided(string phrase, string metric) =>
        Assert.Equal(metric, Catalog.FindByPhrase(phrase)?.Name);

    [Fact]
    public void Ratios_have_numerator_and_denominator_and_percentiles_a_quantile()
    {
        Assert.All(Catalog.All.Where(m => m.Type == MetricTypes.Ratio), m =>
        {
            Assert.NotEmpty(m.Numerator!);
            Assert.NotNull(m.Denominator);
        });
        Assert.Equal(
            [("cycle_time_p50", 0.5), ("cycle_time_p90", 0.9), ("lead_time_p50", 0.5), ("lead_time_p90", 0.9)],
            Catalog.All.Where(m => m.Type == MetricTypes.Percentile).Select(m => (m.Name, m.P!.Value)));
        Assert.Equal(["added_points", "removed_points", "reestimated_points"], Catalog.Get("scope_churn_ratio").Numerator!);
        Assert.Equal(MetricStatistics.MeanPerSprint, Catalog.Get("velocity").Statistic);
        Assert.Equal(MetricStatistics.Mean, Catalog.Get("lead_time_avg").Statistic);
    }
}
