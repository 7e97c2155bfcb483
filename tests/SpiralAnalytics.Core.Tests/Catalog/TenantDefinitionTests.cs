using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Catalog;

/// <summary>Tenant-layer definitions (issue 14): aggregate, aggregate_ratio and sql metrics, their checks and their SQL.</summary>
public sealed class TenantDefinitionTests
{
    private const string Ratio =
        """
        name: production_bug_share
        display_name: Production bug share
        category: quality
        description: Of the bugs closed in the sprint, the share that carried the production label.
        type: aggregate_ratio
        numerator_of: { aggregate: count, measure: completed_issues, where: { label: [production], issue_type: [Bug] } }
        denominator_of: { aggregate: count, measure: completed_issues, where: { issue_type: [Bug] } }
        unit: ratio
        direction: lower_is_better
        grain: sprint
        time_column: sprint_close_at
        dimensions: [team, sprint]
        synonyms: [production bug share, share of production bugs, prod bug ratio]
        version: 1.0.0
        status: draft
        """;

    private static CatalogLoadResult Load(string yaml, string file = "production_bug_share.yaml") =>
        CatalogLoader.LoadTenant([(file, yaml)], ShippedCatalog.Catalog);

    private static IReadOnlyList<string> Problems(string yaml, string file = "production_bug_share.yaml") =>
        Load(yaml, file).Problems.Select(p => p.ToString()).ToList();

    [Fact]
    public void An_aggregate_ratio_with_row_filters_is_a_valid_tenant_metric_in_canonical_order()
    {
        var result = Load(Ratio);

        Assert.Empty(result.Problems);
        var metric = Assert.Single(result.Metrics).Definition;
        Assert.Equal(CatalogLayers.Tenant, metric.Layer);
        Assert.Equal(["issue_type", "label"], metric.NumeratorOf!.Where!.Keys);
        Assert.Equal(["completed_issues"], metric.Measures.Distinct());
    }

    [Fact]
    public void Tenant_types_are_refused_in_the_shipped_catalog()
    {
        var shipped = CatalogLoader.Load([("production_bug_share.yaml", Ratio.Replace("status: draft", "status: active", StringComparison.Ordinal))]);

        Assert.Contains(shipped.Problems, p => p.Field == "type" && p.Message.Contains("tenant-layer types", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("aggregate: count, measure: completed_issues, where: { label", "aggregate: count, measure: daily_wip, where: { label",
        "numerator_of.where.label: view team_daily_wip (of measure 'daily_wip') has no 'label' to filter on")]
    [InlineData("{ aggregate: count, measure: completed_issues, where: { issue_type: [Bug] } }", "{ aggregate: sum, measure: reopened_issues }",
        "denominator_of.aggregate: measure 'reopened_issues' marks issues")]
    [InlineData("{ aggregate: count, measure: completed_issues, where: { issue_type: [Bug] } }", "{ aggregate: percentile, measure: cycle_time_days }",
        "denominator_of.p: a percentile needs 'p'")]
    [InlineData("where: { issue_type: [Bug] } }\nunit", "where: { isue_type: [Bug] } }\nunit", "did you mean 'issue_type'?")]
    [InlineData("synonyms: [production bug share,", "synonyms: [run rate,", "synonyms[0]: synonym 'run rate' is also claimed by 'velocity'")]
    public void A_bad_tenant_definition_names_the_field_and_what_is_allowed(string from, string to, string expected)
    {
        var problems = Problems(Ratio.Replace(from, to, StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.Matches(@"^production_bug_share\.yaml:\d+: ", p));
    }

    [Fact]
    public void A_tenant_metric_may_replace_a_shipped_one_of_the_same_name()
    {
        var velocity = File.ReadAllText(Path.Combine(ShippedCatalog.Folder, "velocity.yaml"))
            .Replace("version: 1.0.0", "version: 2.0.0", StringComparison.Ordinal)
            .Replace("status: active", "status: draft", StringComparison.Ordinal);

        Assert.Empty(Problems(velocity, "velocity.yaml"));
    }

    [Fact]
    public void Tenant_definitions_read_back_from_their_yaml_unchanged()
    {
        const string sql =
            """
            name: production_bug_share
            display_name: Goal share
            category: sprint_health
            description: Share of closed sprints with a goal, written as SQL by an admin.
            type: sql
            sql: |
              SELECT g.sprint_key,
                     CASE WHEN g.goal IS NULL THEN 0.0 ELSE 1.0 END AS value
              FROM sprint_goals g
            output: [sprint_key, value]
            rollup: avg
            unit: ratio
            direction: higher_is_better
            grain: sprint
            time_column: sprint_close_at
            dimensions: [team, sprint]
            synonyms: [goal share a, goal share b, goal share c]
            version: 1.0.0
            status: draft
            """;
        foreach (var yaml in new[] { Ratio, sql })
        {
            var loaded = Load(yaml);
            Assert.Empty(loaded.Problems);
            var metric = Assert.Single(loaded.Metrics).Definition;
            var again = Assert.Single(Load(CatalogYamlWriter.Write(metric)).Metrics).Definition;
            Assert.Equal(MetricJson.Checksum(metric), MetricJson.Checksum(again));
        }
    }

    [Fact]
    public void Row_filter_values_are_parameters_and_never_reach_the_sql_text()
    {
        var hostile = Ratio.Replace("label: [production]", "label: [\"x') OR 1=1 --\"]", StringComparison.Ordinal);
        var metric = Assert.Single(Load(hostile).Metrics).Definition with { Status = MetricStatuses.Active };
        var catalog = new MetricCatalog(ShippedCatalog.Catalog.All.Append(metric));
        var spec = new AnalyticsSpec { Metrics = [metric.Name], GroupBy = ["team"], Time = new LastSprintsTime(3) };

        var built = QueryBuilder.Build(spec, catalog, TimeResolver.Resolve(spec.Time, new DateTimeOffset(2024, 4, 25, 0, 0, 0, TimeSpan.Zero)));

        Assert.DoesNotContain("OR 1=1", built.Sql, StringComparison.Ordinal);
        Assert.Contains(built.Parameters, p => p is string[] values && values.Contains("x') or 1=1 --"));
        Assert.Contains("count(DISTINCT v.issue_key) FILTER (WHERE v.completed_count <> 0 AND lower(v.issue_type) = ANY(", built.Sql, StringComparison.Ordinal);
        Assert.Contains("v.issue_key IN (SELECT l.issue_key FROM issue_labels l WHERE lower(l.label) = ANY(", built.Sql, StringComparison.Ordinal);
        Assert.Contains("::numeric / nullif(", built.Sql, StringComparison.Ordinal);
        Assert.Equal("tenant", built.Columns.Single(c => c.Name == metric.Name).Layer);
    }
}
