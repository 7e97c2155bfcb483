using System.Net;
using Npgsql;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>Issue 14, "done when": each class of bad definition gets a precise error (file:line: field: message) and stores nothing.</summary>
public sealed class TenantMetricValidationTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Sql(string name, string sql, string output = "[sprint_key, value]") =>
        $"""
        name: {name}
        display_name: Sql check {name}
        category: sprint_health
        description: A SQL metric written to be refused by the save-time check.
        type: sql
        sql: |
        {string.Join("\n", sql.Split('\n').Select(l => "  " + l))}
        output: {output}
        rollup: avg
        unit: ratio
        direction: higher_is_better
        grain: sprint
        time_column: sprint_close_at
        dimensions: [team, sprint]
        synonyms: [{name} a, {name} b, {name} c]
        version: 1.0.0
        status: draft
        """;

    private static async Task<long> StoredAsync(TestDatabase db)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM tenant_metrics) + (SELECT count(*) FROM tenant_metric_versions)", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    /// <summary>Posts the definition; asserts 400, nothing stored, and returns the errors as "line: field: message".</summary>
    private static async Task<List<string>> RefusedAsync(HttpClient admin, TestDatabase db, string yaml)
    {
        var before = await StoredAsync(db);
        var problem = await ApiAssert.ProblemAsync(await admin.PostRawAsync("/api/v1/admin/metrics", yaml, "application/yaml"), HttpStatusCode.BadRequest);
        Assert.Equal(before, await StoredAsync(db));
        return problem.GetProperty("errors").EnumerateArray()
            .Select(e => $"{e.GetProperty("line")}: {(e.TryGetProperty("field", out var f) ? f.GetString() : "")}: {e.GetProperty("message").GetString()}").ToList();
    }

    private async Task<(ApiFactory Api, HttpClient Admin, TestDatabase Db)> SetupAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var seeded = await TenantMetricFixture.SeededAsync(server, nameof(TenantMetricValidationTests));
        var api = new ApiFactory(seeded.Db, settings);
        return (api, api.CreateClient(seeded.Slug, SpiralRoles.Admin), seeded.Db);
    }

    [Fact]
    public async Task Bad_YAML_unknown_names_and_bad_row_filters_are_refused_with_their_line_and_a_suggestion()
    {
        var (api, admin, db) = await SetupAsync();
        await using var _ = api;

        var yaml = await RefusedAsync(admin, db, "name: broken\ndisplay_name: [unclosed\n");
        Assert.Contains(yaml, e => e.Contains("invalid YAML", StringComparison.Ordinal));

        var measure = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs.Replace("measure: completed_issues", "measure: completed_isues", StringComparison.Ordinal));
        Assert.Contains(measure, e => e.StartsWith("7: measure:", StringComparison.Ordinal) && e.Contains("did you mean 'completed_issues'", StringComparison.Ordinal));

        var filter = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs.Replace("priority: [Highest, High]", "priorty: [Highest]", StringComparison.Ordinal));
        Assert.Contains(filter, e => e.StartsWith("8: where.priorty:", StringComparison.Ordinal) && e.Contains("did you mean 'priority'", StringComparison.Ordinal));

        var function = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs.Replace("aggregate: count", "aggregate: median", StringComparison.Ordinal));
        Assert.Contains(function, e => e.StartsWith("6: aggregate:", StringComparison.Ordinal) && e.Contains("count, sum, avg, min, max, percentile", StringComparison.Ordinal));

        var label = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs
            .Replace("measure: completed_issues", "measure: daily_wip", StringComparison.Ordinal)
            .Replace("aggregate: count", "aggregate: avg", StringComparison.Ordinal));
        Assert.Contains(label, e => e.Contains("where.issue_type: view team_daily_wip", StringComparison.Ordinal));

        var value = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs.Replace("priority: [Highest, High]", "priority: [Highest, Hihg]", StringComparison.Ordinal));
        Assert.Contains(value, e => e.StartsWith("8: where.priority[1]: 'Hihg' is not a priority in this tenant's data; did you mean 'High'?", StringComparison.Ordinal));

        var field = await RefusedAsync(admin, db, TenantMetricFixture.CriticalBugs.Replace("where:", "wher:", StringComparison.Ordinal));
        Assert.Contains(field, e => e.Contains("did you mean 'where'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sql_that_does_not_parse_is_refused_with_the_databases_message_and_position()
    {
        var (api, admin, db) = await SetupAsync();
        await using var _ = api;

        var errors = await RefusedAsync(admin, db, Sql("sql_syntax", "SELECT sprint_key, 1.0 AS value\nFROM sprint_stats\nWHER sprint_state = 'closed'"));

        var error = Assert.Single(errors);
        Assert.Contains("syntax error at or near \"sprint_state\"", error, StringComparison.Ordinal);
        Assert.Contains("line 3, column 6", error, StringComparison.Ordinal);
        Assert.StartsWith("9: sql:", error, StringComparison.Ordinal); // the third line of the block that starts on line 7
    }

    [Fact]
    public async Task Sql_reading_anything_but_the_tenant_views_or_calling_unsafe_functions_is_refused()
    {
        var (api, admin, db) = await SetupAsync();
        await using var _ = api;

        var table = await RefusedAsync(admin, db, Sql("sql_table", "SELECT s.key AS sprint_key, 1.0 AS value FROM sprints s"));
        Assert.Contains(table, e => e.Contains("reads 'sprints', which is not a tenant analytics view", StringComparison.Ordinal));

        var jobs = await RefusedAsync(admin, db, Sql("sql_jobs",
            "SELECT s.sprint_key, (SELECT count(*) FROM analytics_jobs)::float8 AS value FROM sprint_stats s"));
        Assert.Contains(jobs, e => e.Contains("reads 'analytics_jobs'", StringComparison.Ordinal));

        var setting = await RefusedAsync(admin, db, Sql("sql_tenant_switch",
            "SELECT s.sprint_key, length(set_config('app.tenant_id', '00000000-0000-0000-0000-000000000000', true))::float8 AS value FROM sprint_stats s"));
        Assert.Contains(setting, e => e.Contains("calls set_config()", StringComparison.Ordinal));

        var xml = await RefusedAsync(admin, db, Sql("sql_dynamic",
            "SELECT s.sprint_key, length(query_to_xml('select * from issues', true, false, '')::text)::float8 AS value FROM sprint_stats s"));
        Assert.Contains(xml, e => e.Contains("calls query_to_xml()", StringComparison.Ordinal));

        var appended = await RefusedAsync(admin, db, Sql("sql_two", "SELECT sprint_key, 1.0 AS value FROM sprint_stats; DELETE FROM tenant_metrics"));
        Assert.Contains(appended, e => e.Contains("';' is not allowed", StringComparison.Ordinal) && e.StartsWith("7: sql:", StringComparison.Ordinal) && e.Contains("column 50", StringComparison.Ordinal));

        var write = await RefusedAsync(admin, db, Sql("sql_write", "WITH gone AS (DELETE FROM tenant_metrics RETURNING name) SELECT name AS sprint_key, 1.0 AS value FROM gone"));
        Assert.Single(write);
    }

    [Fact]
    public async Task Sql_returning_other_columns_than_declared_is_refused()
    {
        var (api, admin, db) = await SetupAsync();
        await using var _ = api;

        var names = await RefusedAsync(admin, db, Sql("sql_columns", "SELECT sprint_key, completed_points FROM sprint_stats"));
        Assert.Contains(names, e => e.Contains("returns [sprint_key, completed_points] but the metric declares [sprint_key, value]", StringComparison.Ordinal));

        // sprint_stats has no metric columns since migration 0017 (metrics are the catalog's): reading one is refused by name.
        var dropped = await RefusedAsync(admin, db, Sql("sql_dropped", "SELECT sprint_key, say_do_ratio AS value FROM sprint_stats"));
        Assert.Contains(dropped, e => e.Contains("say_do_ratio", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));

        var type = await RefusedAsync(admin, db, Sql("sql_type", "SELECT sprint_key, sprint_name AS value FROM sprint_stats"));
        Assert.Contains(type, e => e.Contains("column 'value' is text; it must be a number", StringComparison.Ordinal));

        var declared = await RefusedAsync(admin, db, Sql("sql_declared", "SELECT sprint_key, 1.0 AS value FROM sprint_stats", "[sprint, value]"));
        Assert.Contains(declared, e => e.Contains("output:", StringComparison.Ordinal) && e.Contains("exactly [sprint_key, value]", StringComparison.Ordinal));

        var repeated = await RefusedAsync(admin, db, Sql("sql_repeated", "SELECT f.sprint_key, 1.0 AS value FROM sprint_issue_facts f"));
        Assert.Contains(repeated, e => e.Contains("one row per sprint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sql_that_exceeds_the_statement_timeout_is_refused_at_save()
    {
        var (api, admin, db) = await SetupAsync(new Dictionary<string, string?> { ["TenantCatalog:SqlCheckTimeoutSeconds"] = "1" });
        await using var _ = api;

        var errors = await RefusedAsync(admin, db, Sql("sql_slow",
            "SELECT s.sprint_key, (SELECT count(*) FROM generate_series(1, 200000000))::float8 AS value FROM sprint_stats s"));

        Assert.Contains(errors, e => e.Contains("canceling statement due to statement timeout", StringComparison.Ordinal) && e.Contains("allows 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_validate_endpoint_reports_the_same_problems_and_stores_nothing()
    {
        var (api, admin, db) = await SetupAsync();
        await using var _ = api;
        var before = await StoredAsync(db);

        var result = await ApiAssert.OkAsync(await admin.PostRawAsync("/api/v1/admin/metrics/validate",
            Sql("sql_validate", "SELECT s.key AS sprint_key, 1.0 AS value FROM sprints s"), "application/yaml"));

        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Contains("reads 'sprints'", result.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StoredAsync(db));
    }
}
