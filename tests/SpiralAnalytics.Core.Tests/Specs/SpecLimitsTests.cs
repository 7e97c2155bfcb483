using System.Diagnostics;
using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>The caps and input rules of SpecLimits, where the JSON reader and the validator apply them (issue #13, parts 4 and 5).</summary>
public sealed class SpecLimitsTests
{
    private static IReadOnlyList<SpecError> ParseErrors(string json)
    {
        var parsed = SpecJson.Parse(json);
        Assert.False(parsed.IsValid);
        return parsed.Errors;
    }

    private static IReadOnlyList<SpecError> Validate(AnalyticsSpec spec) => new SpecValidator(SpecTestData.Catalog).Errors(spec);

    [Fact]
    public void Seventy_thousand_filters_are_one_error_without_reading_them()
    {
        var filters = string.Join(",", Enumerable.Repeat("""{"dimension":"team","op":"eq","values":["Atlas"]}""", 70_000));
        var clock = Stopwatch.StartNew();

        var parsed = SpecJson.Parse($$"""{"metrics":["velocity"],"filters":[{{filters}}]}""");

        // 3.5 MB of JSON is over the size cap: one error, before a list is walked
        Assert.Equal("spec_size", Assert.Single(parsed.Errors).Rule);
        var errors = Validate(new AnalyticsSpec { Metrics = ["velocity"], Filters = Enumerable.Repeat(new SpecFilter("team", "eq", ["Atlas"]), 70_000).ToList() });
        var error = Assert.Single(errors);
        Assert.Equal("filters", error.Path);
        Assert.Contains($"at most {SpecLimits.MaxFilters}", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public void A_list_over_its_cap_inside_the_size_limit_is_one_error_naming_it()
    {
        var having = string.Join(",", Enumerable.Repeat("""{"metric":"velocity","op":"gt","value":1}""", 1000));

        var error = Assert.Single(ParseErrors($$"""{"metrics":["velocity"],"having":[{{having}}]}"""));

        Assert.Equal("having", error.Path);
        Assert.Equal("having_count", error.Rule);
    }

    [Fact]
    public void A_huge_metric_name_is_rejected_fast_and_quoted_only_as_a_short_prefix()
    {
        var name = new string('x', 10_000_000);
        var clock = Stopwatch.StartNew();

        var errors = Validate(new AnalyticsSpec { Metrics = [name] });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString()); // was 54.8 s (edit distance against the catalog)
        var error = Assert.Single(errors);
        Assert.Equal("metrics[0]", error.Path);
        Assert.True(error.Value!.Length < 80 && error.Message.Length < 200, error.Value + " / " + error.Message);
        Assert.Contains("10000000 characters", error.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_hundred_thousand_duplicate_names_do_not_produce_megabytes_of_errors()
    {
        var errors = Validate(new AnalyticsSpec { Metrics = Enumerable.Repeat("velocity", 200_000).ToList() });

        Assert.Single(errors);
        var fromJson = ParseErrors($$"""{"metrics":[{{string.Join(",", Enumerable.Repeat("\"velocity\"", 20_000))}}]}""");
        Assert.Single(fromJson);
    }

    [Fact]
    public void Errors_are_capped_with_a_count_of_the_rest()
    {
        var filters = Enumerable.Range(0, SpecLimits.MaxFilters).Select(i => new SpecFilter("nope" + i, "eq", ["x"])).ToList();
        var sort = Enumerable.Range(0, SpecLimits.MaxSort).Select(i => new SortClause("nope" + i, "sideways")).ToList();

        var errors = Validate(new AnalyticsSpec { Metrics = ["velocity"], Filters = filters, Sort = sort });

        Assert.Equal(SpecLimits.MaxErrors, errors.Count);
        Assert.Equal("too_many_errors", errors[^1].Rule);
        Assert.Matches(@"^\d+ more errors not listed$", errors[^1].Message);
    }

    [Theory]
    [InlineData("""{"metrics":["velocity"],"metrics":["bug_count"]}""", "metrics", "duplicate_field")]
    [InlineData("""{"metrics":["velocity"],"Metrics":["bug_count"]}""", "Metrics", "duplicate_field")]
    [InlineData("""{"metrics":["velocity"],"time":{"type":"all","type":"all"}}""", "time.type", "duplicate_field")]
    [InlineData("""{"metrics":["\ud800"]}""", "metrics[0]", "text")]
    [InlineData("""{"metrics":["velocity"],"filters":[{"dimension":"team","op":"eq","values":["At\u0000las"]}]}""", "filters[0].values[0]", "text")]
    [InlineData("""{"metrics":["velocity"],"having":[{"metric":"velocity","op":"gt","value":1e400}]}""", "having[0].value", "having_value")]
    public void Hostile_json_is_a_located_error_never_an_exception(string json, string path, string rule)
    {
        var parsed = SpecJson.Parse(json);

        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Errors, e => e.Path == path && e.Rule == rule);
    }

    [Fact]
    public void A_non_finite_having_value_is_invalid_and_the_spec_still_prints()
    {
        var spec = new AnalyticsSpec { Metrics = ["spillover_ratio"], GroupBy = ["team"], Having = [new HavingClause("spillover_ratio", "gt", double.NegativeInfinity)] };

        var error = Assert.Single(Validate(spec));

        Assert.Equal("having[0].value", error.Path);
        Assert.Contains("\"value\":\"-Infinity\"", SpecJson.Write(spec), StringComparison.Ordinal);
        Assert.False(SpecJson.Parse(SpecJson.Write(spec)).IsValid);
    }

    [Theory]
    [InlineData("1000-01-01", "2024-01-31", "time.from")]
    [InlineData("0001-01-01", "2024-01-31", "time.from")]
    [InlineData("2024-01-01", "9999-12-31", "time.to")]
    public void Between_dates_outside_the_calendar_are_invalid(string from, string to, string path)
    {
        var errors = Validate(new AnalyticsSpec { Metrics = ["bug_count"], Time = new BetweenTime(from, to), Compare = new CompareSpec(CompareSpec.PreviousPeriod) });

        Assert.Equal(path, Assert.Single(errors).Path);
    }

    [Theory]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31T23:59:59Z")]
    public void As_of_outside_the_calendar_is_a_user_error_naming_the_field(string asOf)
    {
        var error = Assert.Throws<UserErrorException>(() => AsOfText.Parse(asOf, "as_of"));

        Assert.StartsWith("as_of '", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_that_leaves_the_calendar_is_a_spec_error_not_a_crash()
    {
        var ancient = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);

        foreach (var time in new TimeSpec[] { new PeriodTime("month", -1), new RollingTime("month", 12), new BetweenTime("0001-01-01", "0001-01-02") })
        {
            var error = Assert.Throws<SpecValidationException>(() => TimeResolver.Resolve(time, ancient));
            Assert.Equal("time", Assert.Single(error.Errors).Path);
        }
    }

    [Fact]
    public void The_schema_carries_the_limits_of_SpecLimits()
    {
        var schema = JsonNode.Parse(SpecSchema.Json)!["properties"]!;

        Assert.Equal(SpecLimits.MaxMetrics, (int)schema["metrics"]!["maxItems"]!);
        Assert.Equal(SpecLimits.MaxNameLength, (int)schema["metrics"]!["items"]!["maxLength"]!);
        Assert.Equal(SpecLimits.MaxFilters, (int)schema["filters"]!["maxItems"]!);
        Assert.Equal(SpecLimits.MaxFilterValues, (int)schema["filters"]!["items"]!["properties"]!["values"]!["maxItems"]!);
        Assert.Equal(SpecLimits.MaxValueLength, (int)schema["filters"]!["items"]!["properties"]!["values"]!["items"]!["maxLength"]!);
        Assert.Equal(SpecLimits.MaxHaving, (int)schema["having"]!["maxItems"]!);
        Assert.Equal(SpecLimits.MaxLimit, (int)schema["limit"]!["maximum"]!);
    }

    [Fact]
    public void The_README_lists_the_limits_of_SpecLimits()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "SpiralAnalytics.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no repository root");
        }

        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");

        Assert.Contains(SpecLimits.Table(), readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_keeps_a_short_prefix_and_escapes_control_characters()
    {
        Assert.Equal("abc", SpecLimits.Quote("abc"));
        Assert.Equal("a\\u0000b", SpecLimits.Quote("a\0b"));
        var quoted = SpecLimits.Quote(new string('y', 1_000_000));
        Assert.Equal(new string('y', SpecLimits.MaxQuotedLength) + "… (1000000 characters)", quoted);
    }
}
