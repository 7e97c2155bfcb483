using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Tests.Catalog;

public sealed class CatalogYamlTests
{
    public static TheoryData<string> Metrics => new(ShippedCatalog.ContractNames);

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Writing_a_shipped_metric_gives_its_file_back(string metric)
    {
        var definition = ShippedCatalog.Catalog.Get(metric);

        Assert.Equal(File.ReadAllText(Path.Combine(ShippedCatalog.Folder, metric + ".yaml")), CatalogYamlWriter.Write(definition));
    }

    [Fact]
    public void Written_yaml_reads_back_to_the_same_checksum_even_with_quotes_and_lifecycle()
    {
        var definition = ShippedCatalog.Catalog.Get("say_do_ratio") with
        {
            DisplayName = "Say: \"do\" # ratio",
            Synonyms = ["yes", "null", "a, b [c]", "trailing "],
            Status = MetricStatuses.Deprecated,
            ReplacedBy = "completion_rate",
            DeprecationReason = "a long reason " + string.Concat(Enumerable.Repeat("that wraps over several lines ", 8)),
        };

        var (read, problems) = CatalogYamlReader.Read("say_do_ratio.yaml", CatalogYamlWriter.Write(definition));

        Assert.Empty(problems);
        Assert.Equal(MetricJson.Checksum(definition with { Synonyms = ["yes", "null", "a, b [c]", "trailing"] }), MetricJson.Checksum(read!.Definition));
        Assert.Equal(definition.DeprecationReason!.TrimEnd(), read.Definition.DeprecationReason);
        Assert.Equal("completion_rate", read.Definition.ReplacedBy);
    }

    [Fact]
    public void The_checksum_ignores_lifecycle_and_sees_every_versioned_field()
    {
        var definition = ShippedCatalog.Catalog.Get("spillover_ratio");

        Assert.Equal(MetricJson.Checksum(definition), MetricJson.Checksum(definition with { Status = MetricStatuses.Deprecated, ReplacedBy = "say_do_ratio" }));
        Assert.NotEqual(MetricJson.Checksum(definition), MetricJson.Checksum(definition with { Description = definition.Description + " More." }));
        Assert.NotEqual(MetricJson.Checksum(definition), MetricJson.Checksum(definition with { Version = "1.0.1" }));
        Assert.DoesNotContain("\"status\"", MetricJson.Versioned(definition), StringComparison.Ordinal);
    }

    [Fact]
    public void Stored_json_reads_back_with_the_metrics_lifecycle()
    {
        var definition = ShippedCatalog.Catalog.Get("sprint_problematic_score");

        var read = MetricJson.FromVersioned(MetricJson.Versioned(definition), MetricStatuses.Deprecated, "spillover_ratio", "too noisy");

        Assert.Equal(MetricJson.Checksum(definition), MetricJson.Checksum(read));
        Assert.Equal((MetricStatuses.Deprecated, "spillover_ratio", "too noisy"), (read.Status, read.ReplacedBy, read.DeprecationReason));
        Assert.Equal(definition.Components, read.Components);
    }

    [Theory]
    [InlineData("1.0.0", "1.0.1", true)]
    [InlineData("1.9.0", "1.10.0", true)]
    [InlineData("2.0.0", "10.0.0", true)]
    [InlineData("1.1.0", "1.0.9", false)]
    [InlineData("1.0.0", "1.0.0", false)]
    public void Semantic_versions_compare_numerically(string lower, string higher, bool expected) =>
        Assert.Equal(expected, SemanticVersion.Parse(higher) > SemanticVersion.Parse(lower));
}
