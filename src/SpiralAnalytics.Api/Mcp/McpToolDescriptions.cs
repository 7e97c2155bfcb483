using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>A worked example the <c>query</c> tool's description shows: what it answers, and the spec.</summary>
public sealed record SpecExample(string Says, string Spec);

/// <summary>
/// What each tool tells the assistant's model. The spec's JSON Schema is read from <see cref="SpecSchema"/> (the one the
/// CLI prints and the LLM translator's prompt carries), so a change to the spec reaches the tool descriptions by itself.
/// </summary>
public static class McpToolDescriptions
{
    /// <summary>Short examples, each a valid spec against the shipped catalog (the tests run every one).</summary>
    public static IReadOnlyList<SpecExample> Examples { get; } =
    [
        new("spillover by team over each team's last 3 closed sprints, worst first",
            """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"spillover_ratio","dir":"desc"}]}"""),
        new("velocity and say/do ratio per sprint for one team",
            """{"metrics":["velocity","say_do_ratio"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":6}}"""),
        new("bugs created last quarter by priority, compared with the quarter before",
            """{"metrics":["bug_count"],"group_by":["priority"],"time":{"type":"period","unit":"quarter","offset":-1},"compare":{"type":"previous_period"}}"""),
        new("median cycle time by month since January, teams other than Orion",
            """{"metrics":["cycle_time_p50"],"group_by":["month"],"filters":[{"dimension":"team","op":"not_in","values":["Orion"]}],"time":{"type":"between","from":"2024-01-01","to":"2024-04-24"}}"""),
        new("the 5 assignees with the most reopened issues in the last 90 days",
            """{"metrics":["reopened_count"],"group_by":["assignee"],"time":{"type":"rolling","unit":"day","n":90},"sort":[{"by":"reopened_count","dir":"desc"}],"limit":5}"""),
    ];

    public const string ListMetrics =
        "List the metrics of the catalog that specs may name: name, display name, category, unit, current version, the "
        + "dimensions it may be grouped and filtered by, and what it means. Optional: a category, or a search text matched "
        + "against names, synonyms and descriptions. Call describe_metric for one metric's full definition and versions.";

    public const string DescribeMetric =
        "One metric's definition: what it computes (type, measures, numerator/denominator, percentile), unit, direction "
        + "(is higher better), grain and time column, allowed dimensions, synonyms, lifecycle, and every stored version "
        + "(a spec may pin one as name@version). Give a version to read an older definition.";

    public const string ListDimensionValues =
        "The values a filter may use, from your tenant's data: dimension team (names; keys work too), sprint, assignee "
        + "(people), issue_type, priority, epic, or label (labels cannot be filtered on; they are listed for reference). "
        + "Capped (limit, default 50); search narrows by a case-insensitive substring. Values are matched "
        + "case-insensitively in filters.";

    public const string Ask =
        "Ask a question in plain words (\"which team spilled over most in the last 3 sprints?\"). The server's translator "
        + "turns it into an AnalyticsSpec, which is validated and run like query's; the answer comes back with the spec "
        + "it ran (adjust that spec and call query for precise control). It may instead ask back with a clarification "
        + "and options to ask. Pass conversation_id from an earlier answer for a follow-up (\"and for Atlas?\"). Each "
        + "question is a job; questions are rate-limited per tenant. Prefer query when you can write the spec yourself.";

    public const string GetJob =
        "Read an earlier job of your tenant by its job_id (every query and ask is one): its status and, once completed, "
        + "the answer as query returns it; otherwise the question, spec, clarification or error. Use it for an ask that "
        + "was still running when ask returned.";

    /// <summary>The description of the tool named <paramref name="tool"/>.</summary>
    public static string For(string tool) => tool switch
    {
        SpiralMcpTools.ListMetricsName => ListMetrics,
        SpiralMcpTools.DescribeMetricName => DescribeMetric,
        SpiralMcpTools.ListDimensionValuesName => ListDimensionValues,
        SpiralMcpTools.QueryName => Query,
        SpiralMcpTools.AskName => Ask,
        SpiralMcpTools.GetJobName => GetJob,
        _ => throw new ArgumentOutOfRangeException(nameof(tool), tool, "a tool without a description"),
    };

    /// <summary>The <c>query</c> tool's description: what it does, the examples, and the spec's JSON Schema.</summary>
    public static string Query { get; } = BuildQuery();

    /// <summary>The schema as one line (the embedded file is indented for people).</summary>
    public static string CompactSchema => JsonNode.Parse(SpecSchema.Json)!.ToJsonString();

    private static string BuildQuery()
    {
        var text = new System.Text.StringBuilder();
        text.Append("Run an AnalyticsSpec against your tenant's sprint data and get the table back: columns (with units and ")
            .Append("metric versions), rows, warnings. You never write SQL: the spec names catalog metrics (list_metrics, ")
            .Append("describe_metric), dimensions to group by, filters on the tenant's values (list_dimension_values), a time ")
            .Append("window, an optional comparison with the previous window, thresholds (having), sort and limit; the server ")
            .Append("validates it and builds the query. A rejected spec comes back as an error whose structured content has ")
            .Append("`errors`: one object per problem with path, value, message, allowed, suggestions and rule. Fix exactly ")
            .Append("those fields and call again. Relative windows resolve against as_of (an ISO date or date-time, default now). ")
            .Append("Without time, each team's last 6 closed sprints are used. Ratios over several sprints are ratios of sums. ")
            .Append("Every call is recorded as a job (job_id).\n\nExamples:\n");
        foreach (var example in Examples)
        {
            text.Append("- ").Append(example.Says).Append(": ").Append(example.Spec).Append('\n');
        }

        text.Append("\nJSON Schema of the spec argument:\n").Append(CompactSchema);
        return text.ToString();
    }
}
