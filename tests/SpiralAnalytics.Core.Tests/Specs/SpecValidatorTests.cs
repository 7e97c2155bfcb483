using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>One case per rule of ANALYTICS-SPEC.md: the typed error names the field, the value, what is allowed and the nearest fix.</summary>
public sealed class SpecValidatorTests
{
    private static readonly DimensionValues Tenant = new(new Dictionary<string, IReadOnlyList<DimensionMember>>
    {
        ["team"] = [new("Atlas", ["ATL"]), new("Phoenix", ["PHX"])],
        ["assignee"] = [new("Ann Lee", []), new("Bob", [])],
    });

    private static IReadOnlyList<SpecError> Errors(string json)
    {
        var parsed = SpecJson.Parse(json);
        return parsed.IsValid ? new SpecValidator(SpecTestData.Catalog, Tenant).Errors(parsed.Spec!) : parsed.Errors;
    }

    [Theory]
    // parsing: JSON, shape, unknown fields, time forms
    [InlineData("json", """{"metrics": [""", "spec", "not valid JSON")]
    [InlineData("shape", """{"metrics": "velocity"}""", "metrics", "must be a list of strings, not a string")]
    [InlineData("unknown_field", """{"metrics": ["velocity"], "grup_by": ["team"]}""", "grup_by", "unknown field 'grup_by'; did you mean 'group_by'?")]
    [InlineData("time_type", """{"metrics": ["velocity"], "time": {"type": "last_sprint", "n": 1}}""", "time.type", "'last_sprint' is not a time form; allowed: last_sprints")]
    // metrics
    [InlineData("metrics_count", """{"metrics": []}""", "metrics", "must name 1 to 5 metrics, not 0")]
    [InlineData("metric_unknown", """{"metrics": ["spilover"]}""", "metrics[0]", "'spilover' is not an active metric; did you mean 'spillover_ratio'?")]
    [InlineData("metric_version", """{"metrics": ["velocity@latest"]}""", "metrics[0]", "'latest' is not a version: pin one as velocity@MAJOR.MINOR.PATCH")]
    [InlineData("metric_duplicate", """{"metrics": ["velocity", "velocity@1.0.0"]}""", "metrics[1]", "'velocity' is named more than once")]
    // group_by
    [InlineData("group_by_unknown", """{"metrics": ["velocity"], "group_by": ["teams"]}""", "group_by[0]", "'teams' is not a dimension; did you mean 'team'?")]
    [InlineData("group_by_not_allowed", """{"metrics": ["lead_time_p50"], "group_by": ["sprint"]}""", "group_by[0]", "'sprint' is not available for metric 'lead_time_p50'; allowed: team, assignee")]
    [InlineData("group_by_duplicate", """{"metrics": ["velocity"], "group_by": ["team", "team"]}""", "group_by[1]", "'team' is grouped by more than once")]
    // filters
    [InlineData("filter_dimension_unknown", """{"metrics": ["velocity"], "filters": [{"dimension": "squad", "op": "eq", "values": ["Atlas"]}]}""", "filters[0].dimension", "'squad' is not a dimension")]
    [InlineData("filter_not_allowed", """{"metrics": ["wip"], "filters": [{"dimension": "assignee", "op": "eq", "values": ["Bob"]}]}""", "filters[0].dimension", "'assignee' is not available for metric 'wip'")]
    [InlineData("filter_op", """{"metrics": ["velocity"], "filters": [{"dimension": "team", "op": "equals", "values": ["Atlas"]}]}""", "filters[0].op", "'equals' is not a filter op")]
    [InlineData("filter_values_count", """{"metrics": ["velocity"], "filters": [{"dimension": "team", "op": "eq", "values": ["Atlas", "Phoenix"]}]}""", "filters[0].values", "'eq' takes exactly one value, not 2; use 'in' for several")]
    [InlineData("filter_value_unknown", """{"metrics": ["velocity"], "filters": [{"dimension": "team", "op": "in", "values": ["Atlas", "Pheonix"]}]}""", "filters[0].values[1]", "'Pheonix' is not a known team; did you mean 'Phoenix'?")]
    // time
    [InlineData("time_n", """{"metrics": ["velocity"], "time": {"type": "last_sprints", "n": 0}}""", "time.n", "0 is out of range: allowed 1 to 100")]
    [InlineData("time_unit", """{"metrics": ["velocity"], "time": {"type": "rolling", "unit": "year", "n": 1}}""", "time.unit", "'year' is not a rolling unit")]
    [InlineData("time_offset", """{"metrics": ["velocity"], "time": {"type": "period", "unit": "month", "offset": 1}}""", "time.offset", "1 is out of range: allowed -120 to 0")]
    [InlineData("time_date", """{"metrics": ["velocity"], "time": {"type": "between", "from": "2024-02-30", "to": "2024-03-01"}}""", "time.from", "'2024-02-30' is not a date: use YYYY-MM-DD")]
    [InlineData("time_range", """{"metrics": ["velocity"], "time": {"type": "between", "from": "2024-03-01", "to": "2024-02-01"}}""", "time.to", "'2024-02-01' is before from '2024-03-01'")]
    // compare
    [InlineData("compare_type", """{"metrics": ["velocity"], "compare": {"type": "previous_year"}}""", "compare.type", "'previous_year' is not a comparison; did you mean 'previous_period'?")]
    [InlineData("compare_window", """{"metrics": ["velocity"], "time": {"type": "all"}, "compare": {"type": "previous_period"}}""", "compare", "there is no previous period for time 'all'")]
    [InlineData("compare_group", """{"metrics": ["velocity"], "group_by": ["sprint"], "compare": {"type": "previous_period"}}""", "compare", "cannot compare when grouping by 'sprint'")]
    [InlineData("compare_snapshot", """{"metrics": ["stuck_count"], "compare": {"type": "previous_period"}}""", "compare", "'stuck_count' is read at a point in time")]
    // having, sort, limit
    [InlineData("having_metric", """{"metrics": ["velocity"], "having": [{"metric": "spillover_ratio", "op": "gt", "value": 0.3}]}""", "having[0].metric", "'spillover_ratio' is not a metric of this spec")]
    [InlineData("having_op", """{"metrics": ["velocity"], "having": [{"metric": "velocity", "op": ">", "value": 10}]}""", "having[0].op", "'>' is not a comparison op")]
    [InlineData("sort_by", """{"metrics": ["velocity"], "group_by": ["team"], "sort": [{"by": "sprint", "dir": "desc"}]}""", "sort[0].by", "'sprint' is not a metric or grouped dimension of this spec")]
    [InlineData("sort_dir", """{"metrics": ["velocity"], "sort": [{"by": "velocity", "dir": "descending"}]}""", "sort[0].dir", "'descending' is not a direction")]
    [InlineData("limit", """{"metrics": ["velocity"], "limit": 1001}""", "limit", "1001 is out of range: allowed 1 to 1000")]
    // analysis forms
    [InlineData("analysis_unknown", """{"analysis": "diagnosis", "metrics": ["sprint_problematic_score"], "time": {"type": "last_sprints", "n": 1}}""", "analysis", "'diagnosis' is not an analysis; did you mean 'diagnose'?")]
    [InlineData("analysis_metric", """{"analysis": "diagnose", "metrics": ["spillover_ratio"], "time": {"type": "last_sprints", "n": 1}}""", "metrics[0]", "'spillover_ratio' is not a composite")]
    [InlineData("analysis_metric", """{"analysis": "anomalies", "metrics": ["lead_time_p50"]}""", "metrics[0]", "'lead_time_p50' is not a sprint-grain metric")]
    [InlineData("analysis_time", """{"analysis": "diagnose", "metrics": ["sprint_problematic_score"]}""", "time", "diagnose needs the sprints to explain")]
    [InlineData("analysis_time", """{"analysis": "diagnose", "metrics": ["sprint_problematic_score"], "time": {"type": "all"}}""", "time", "choose a window")]
    [InlineData("analysis_filter", """{"analysis": "anomalies", "metrics": ["velocity"], "filters": [{"dimension": "issue_type", "op": "eq", "values": ["Bug"]}]}""", "filters[0].dimension", "anomalies filters by team only")]
    [InlineData("analysis_shape", """{"analysis": "diagnose", "metrics": ["sprint_problematic_score"], "group_by": ["team"], "time": {"type": "last_sprints", "n": 1}}""", "group_by", "remove 'group_by'")]
    [InlineData("analysis_shape", """{"analysis": "anomalies", "metrics": ["velocity"], "time": {"type": "last_sprints", "n": 3}, "compare": {"type": "previous_period"}}""", "compare", "remove 'compare'")]
    public void Each_rule_gives_a_typed_error_with_path_value_and_message(string rule, string json, string path, string message)
    {
        var error = Assert.Single(Errors(json));
        Assert.Equal(rule, error.Rule);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"analysis": "diagnose", "metrics": ["sprint_problematic_score"], "filters": [{"dimension": "team", "op": "eq", "values": ["Phoenix"]}], "time": {"type": "last_sprints", "n": 1}}""")]
    [InlineData("""{"analysis": "diagnose", "metrics": ["sprint_problematic_score"], "time": {"type": "last_sprints", "n": 3}, "compare": {"type": "previous_period"}}""")]
    [InlineData("""{"analysis": "anomalies", "metrics": ["sprint_problematic_score"], "filters": [{"dimension": "team", "op": "eq", "values": ["Atlas"]}], "time": {"type": "period", "unit": "year"}}""")]
    [InlineData("""{"analysis": "anomalies", "metrics": ["spillover_ratio", "velocity"], "time": {"type": "current_sprint"}}""")]
    public void Analysis_forms_of_the_contract_are_valid(string json) => Assert.Empty(Errors(json));

    [Theory]
    [InlineData("spillover_ratio", "anomalies", "spillover_ratio")]
    [InlineData("spillover_ratio", "diagnose", "sprint_problematic_score")]
    public void An_analysis_accepts_a_tenant_version_of_a_metric_because_its_z_scores_follow_its_own_definition(string own, string analysis, string asked)
    {
        // z-scores are computed from the definition the tenant sees (ZScoreSql), so its own version is explained as itself.
        var catalog = new MetricCatalog(SpecTestData.Catalog.All.Select(m => m.Name == own
            ? m with { Layer = CatalogLayers.Tenant, Version = "2.0.0", Numerator = ["spilled_points", "removed_points"] }
            : m));
        var spec = SpecTestData.Parse($$$"""{"analysis": "{{{analysis}}}", "metrics": ["{{{asked}}}"], "time": {"type": "last_sprints", "n": 1}}""");
        Assert.Empty(new SpecValidator(catalog).Errors(spec));
        Assert.Empty(new SpecValidator(SpecTestData.Catalog).Errors(spec));
    }

    [Fact]
    public void Unknown_metric_suggests_by_synonym_too()
    {
        var error = Assert.Single(Errors("""{"metrics": ["say do"]}"""));
        Assert.Equal("say do", error.Value);
        Assert.Contains("say_do_ratio", error.Suggestions);
        Assert.Contains("velocity", error.Allowed);
    }

    [Fact]
    public void Filter_values_match_any_case_and_team_keys_and_resolve_to_the_canonical_spelling()
    {
        var spec = SpecTestData.Parse("""{"metrics": ["velocity"], "filters": [{"dimension": "team", "op": "in", "values": ["atlas", "PHX"]}, {"dimension": "assignee", "op": "eq", "values": ["ann lee"]}]}""");
        Assert.Empty(new SpecValidator(SpecTestData.Catalog, Tenant).Errors(spec));
        var canonical = Tenant.Canonicalize(spec);
        Assert.Equal(["Atlas", "Phoenix"], canonical.Filters[0].Values);
        Assert.Equal(["Ann Lee"], canonical.Filters[1].Values);
    }

    [Fact]
    public void Every_error_of_a_spec_is_reported_not_just_the_first()
    {
        var errors = Errors("""{"metrics": ["spilover"], "group_by": ["teams"], "sort": [{"by": "x"}], "limit": 0}""");
        Assert.Equal(["metrics[0]", "group_by[0]", "sort[0].by", "limit"], errors.Select(e => e.Path));
    }

    [Fact]
    public void A_deprecated_metric_named_explicitly_is_accepted_and_the_builder_warns()
    {
        var catalog = new MetricCatalog(SpecTestData.Catalog.All.Select(m => m.Name == "velocity"
            ? m with { Status = MetricStatuses.Deprecated, ReplacedBy = "completed_sp", DeprecationReason = "use points" }
            : m));
        var spec = SpecTestData.Parse("""{"metrics": ["velocity"], "time": {"type": "all"}}""");
        Assert.Empty(new SpecValidator(catalog).Errors(spec));
        var built = QueryBuilder.Build(spec, catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));
        Assert.Equal(["metric 'velocity' is deprecated; use 'completed_sp' instead (use points)"], built.Warnings);
    }

    [Fact]
    public void The_documented_example_is_valid()
    {
        var spec = SpecTestData.Parse(
            """
            {
              "metrics":  ["spillover_ratio"],
              "group_by": ["team"],
              "filters":  [{"dimension": "team", "op": "in", "values": ["Phoenix", "Atlas"]}],
              "time":     {"type": "last_sprints", "n": 3},
              "compare":  {"type": "previous_period"},
              "having":   [{"metric": "spillover_ratio", "op": "gt", "value": 0.3}],
              "sort":     [{"by": "spillover_ratio", "dir": "desc"}],
              "limit":    5
            }
            """);
        Assert.Empty(new SpecValidator(SpecTestData.Catalog, Tenant).Errors(spec));
    }
}
