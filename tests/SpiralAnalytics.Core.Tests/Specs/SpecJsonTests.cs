using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

public sealed class SpecJsonTests
{
    [Fact]
    public void Canonical_form_orders_keys_as_documented_and_omits_defaults()
    {
        var spec = SpecTestData.Parse(
            """
            {"limit": 5, "sort": [{"dir": "asc", "by": "velocity"}], "metrics": ["velocity"], "group_by": [], "filters": [],
             "time": {"offset": 0, "unit": "month", "type": "period"}, "having": [{"value": 10, "op": "gt", "metric": "velocity"}]}
            """);
        Assert.Equal(
            """{"metrics":["velocity"],"time":{"type":"period","unit":"month"},"having":[{"metric":"velocity","op":"gt","value":10}],"sort":[{"by":"velocity"}],"limit":5}""",
            SpecJson.Write(spec));
    }

    [Theory]
    [InlineData("""{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Phoenix","Atlas"]}],"time":{"type":"last_sprints","n":3},"compare":{"type":"previous_period"},"having":[{"metric":"spillover_ratio","op":"gt","value":0.3}],"sort":[{"by":"spillover_ratio","dir":"desc"}],"limit":5}""")]
    [InlineData("""{"metrics":["velocity@1.0.0"],"time":{"type":"current_sprint"}}""")]
    [InlineData("""{"metrics":["bug_count"],"time":{"type":"period","unit":"quarter","offset":-1}}""")]
    [InlineData("""{"metrics":["wip"],"time":{"type":"rolling","unit":"day","n":30}}""")]
    [InlineData("""{"metrics":["issues_created"],"time":{"type":"between","from":"2024-01-01","to":"2024-01-31"}}""")]
    [InlineData("""{"metrics":["lead_time_p50"],"group_by":["assignee"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["velocity"],"filters":[{"dimension":"assignee","op":"eq","values":["Zoë ∑ \"quoted\" 队"]}]}""")]
    [InlineData("""{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}],"time":{"type":"last_sprints","n":1}}""")]
    [InlineData("""{"analysis":"anomalies","metrics":["sprint_problematic_score"],"time":{"type":"current_sprint"}}""")]
    public void Canonical_json_round_trips(string json)
    {
        var spec = SpecTestData.Parse(json);
        Assert.Equal(json, SpecJson.Write(spec));
        Assert.Equal(spec, SpecTestData.Parse(SpecJson.Write(spec)));
    }

    [Fact]
    public void Analysis_is_written_first_and_an_absent_analysis_is_omitted()
    {
        var spec = SpecTestData.Parse("""{"time": {"type": "last_sprints", "n": 1}, "metrics": ["sprint_problematic_score"], "analysis": "diagnose"}""");
        Assert.Equal(AnalysisForms.Diagnose, spec.Analysis);
        Assert.StartsWith("""{"analysis":"diagnose","metrics":""", SpecJson.Write(spec), StringComparison.Ordinal);
        Assert.DoesNotContain("analysis", SpecJson.Write(spec with { Analysis = null }), StringComparison.Ordinal);
        Assert.NotEqual(spec, spec with { Analysis = AnalysisForms.Anomalies });
    }

    [Fact]
    public void Structural_errors_are_all_reported_with_paths()
    {
        var parsed = SpecJson.Parse("""{"metrics": [1], "time": {"type": "rolling", "unit": "day"}, "having": [{"metric": "velocity", "op": "gt", "value": "high"}], "limit": 2.5}""");
        Assert.False(parsed.IsValid);
        Assert.Equal(["metrics[0]", "time.n", "having[0].value", "limit"], parsed.Errors.Select(e => e.Path));
    }

    [Fact]
    public void The_json_schema_is_embedded_and_names_every_time_form()
    {
        var schema = System.Text.Json.Nodes.JsonNode.Parse(SpecSchema.Json)!;
        var forms = schema["properties"]!["time"]!["oneOf"]!.AsArray().Select(f => f!["properties"]!["type"]!["const"]!.GetValue<string>());
        Assert.Equal(TimeSpec.Types, forms);
        Assert.Equal(AnalysisForms.All, schema["properties"]!["analysis"]!["enum"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["metrics"], schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }
}
