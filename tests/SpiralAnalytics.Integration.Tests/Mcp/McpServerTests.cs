using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using SpiralAnalytics.Api.Mcp;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Api;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Mcp;

/// <summary>The MCP server on /mcp, driven by the SDK's MCP client over streamable HTTP against the API on a real port.</summary>
public sealed class McpServerTests(PostgresServer server)
{
    private const string Spillover =
        """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3},"sort":[{"by":"spillover_ratio","dir":"desc"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tools_are_listed_and_the_query_tool_carries_the_spec_schema_and_examples()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, McpFixture.Token(api, seeded.Slug));

        var tools = await mcp.ListToolsAsync(cancellationToken: Ct);

        Assert.Equal(["ask", "describe_metric", "get_job", "list_dimension_values", "list_metrics", "query"], tools.Select(t => t.Name).Order());
        var query = tools.Single(t => t.Name == "query");
        Assert.Contains(JsonNode.Parse(SpecSchema.Json)!.ToJsonString(), query.Description, StringComparison.Ordinal);
        foreach (var example in McpToolDescriptions.Examples)
        {
            Assert.Contains(example.Spec, query.Description, StringComparison.Ordinal);
        }

        var input = query.JsonSchema;
        Assert.Equal(["spec"], input.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(input.GetProperty("properties").TryGetProperty("as_of", out var __));
        Assert.All(tools, t => Assert.False(t.JsonSchema.GetProperty("properties").TryGetProperty("tenant", out var ___), $"{t.Name} takes a tenant"));
        Assert.True(tools.Single(t => t.Name == "list_metrics").ProtocolTool.Annotations?.ReadOnlyHint);
    }

    [Fact]
    public async Task The_catalog_reads_as_the_HTTP_API_serves_it()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        var token = McpFixture.Token(api, seeded.Slug, SpiralRoles.Viewer);
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, token);
        using var http = McpFixture.Http(baseAddress, token);

        var listed = (await mcp.CallAsync("list_metrics", [])).Structured();
        var rest = await ApiAssert.OkAsync(await http.GetAsync("/api/v1/metrics", Ct));
        var active = rest.EnumerateArray().Where(m => m.GetProperty("status").GetString() == "active").ToList();
        var metrics = listed.GetProperty("metrics").EnumerateArray().ToList();
        Assert.Equal(active.Count, listed.GetProperty("count").GetInt32());
        Assert.Equal(active.Select(m => m.GetProperty("name").GetString()).Order(), metrics.Select(m => m.GetProperty("name").GetString()).Order());
        foreach (var m in metrics)
        {
            var same = active.Single(a => a.GetProperty("name").GetString() == m.GetProperty("name").GetString());
            foreach (var field in new[] { "display_name", "unit", "version", "description", "category" })
            {
                Assert.Equal(same.GetProperty(field).GetString(), m.GetProperty(field).GetString());
            }

            Assert.NotEmpty(m.GetProperty("dimensions").EnumerateArray());
        }

        var quality = (await mcp.CallAsync("list_metrics", new() { ["category"] = "quality", ["search"] = "reopen" })).Structured();
        Assert.Equal(["reopen_rate", "reopened_count"], quality.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order());

        var described = (await mcp.CallAsync("describe_metric", new() { ["name"] = "spillover_ratio" })).Structured();
        var definition = await ApiAssert.OkAsync(await http.GetAsync("/api/v1/metrics/spillover_ratio", Ct));
        var versions = await ApiAssert.OkAsync(await http.GetAsync("/api/v1/metrics/spillover_ratio/versions", Ct));
        foreach (var field in new[] { "display_name", "unit", "version", "direction", "grain", "type", "denominator" })
        {
            Assert.Equal(definition.GetProperty(field).GetString(), described.GetProperty(field).GetString());
        }

        Assert.Equal(definition.GetProperty("dimensions").ToString(), described.GetProperty("dimensions").ToString());
        Assert.Equal(versions.EnumerateArray().Select(v => v.GetProperty("version").GetString()),
            described.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Single(described.GetProperty("versions").EnumerateArray(), v => v.GetProperty("current").GetBoolean());

        var unknown = await mcp.CallAsync("describe_metric", new() { ["name"] = "spilover_ratio" });
        Assert.Equal("not_found", unknown.Structured(error: true).GetProperty("error").GetString());
        Assert.Contains("spilover_ratio", unknown.Text(), StringComparison.Ordinal);
        var badCategory = await mcp.CallAsync("list_metrics", new() { ["category"] = "qualty" });
        Assert.Contains("quality", badCategory.Structured(error: true).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dimension_values_are_the_tenants_own_capped_and_searchable()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, McpFixture.Token(api, seeded.Slug));

        var teams = (await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "team" })).Structured();
        Assert.Equal(["Atlas", "Orion", "Phoenix"], Values(teams));
        Assert.Equal("ATL", teams.GetProperty("values")[0].GetProperty("aliases")[0].GetString());
        Assert.False(teams.GetProperty("truncated").GetBoolean());

        var searched = (await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "team", ["search"] = "PHO" })).Structured();
        Assert.Equal(["Phoenix"], Values(searched));
        var capped = (await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "assignee", ["limit"] = 2 })).Structured();
        Assert.Equal(2, capped.GetProperty("returned").GetInt32());
        Assert.Equal(4, capped.GetProperty("total").GetInt32());
        Assert.True(capped.GetProperty("truncated").GetBoolean());
        var labels = (await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "label" })).Structured();
        Assert.Equal(["production"], Values(labels));
        Assert.False(labels.GetProperty("filterable").GetBoolean());

        var wrong = await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "tem" });
        Assert.Contains("team", wrong.Structured(error: true).GetProperty("message").GetString(), StringComparison.Ordinal);
        var tooMany = await mcp.CallAsync("list_dimension_values", new() { ["dimension"] = "team", ["limit"] = 100_000 });
        Assert.Contains("limit", tooMany.Structured(error: true).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_spec_returns_the_values_of_POST_query_and_is_recorded_as_a_job()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        var token = McpFixture.Token(api, seeded.Slug, user: "quinn");
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, token);
        using var http = McpFixture.Http(baseAddress, token);

        var result = await mcp.CallAsync("query", new() { ["spec"] = McpFixture.Spec(Spillover), ["as_of"] = McpFixture.AsOf });
        var answer = result.Structured();
        var rest = await ApiAssert.OkAsync(await http.PostRawAsync($"/api/v1/query?as_of={McpFixture.AsOf}", Spillover));

        Assert.Equal(3, answer.GetProperty("rows").GetArrayLength());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty("rows").GetRawText()), JsonNode.Parse(answer.GetProperty("rows").GetRawText())),
            $"MCP rows {answer.GetProperty("rows")} differ from POST /api/v1/query rows {rest.GetProperty("rows")}");
        // the HTTP API writes a dimension column's unit and version as null, the result object of CLI.md leaves them out
        Assert.Equal(Columns(rest), Columns(answer));
        foreach (var field in new[] { "spec", "metric_versions", "warnings", "as_of", "sql" })
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty(field).GetRawText()), JsonNode.Parse(answer.GetProperty(field).GetRawText())), $"{field}: {rest.GetProperty(field)} vs {answer.GetProperty(field)}");
        }

        var ratio = answer.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "spillover_ratio");
        Assert.Equal("ratio", ratio.GetProperty("unit").GetString());
        Assert.Equal(answer.GetProperty("metric_versions").GetProperty("spillover_ratio").GetString(), ratio.GetProperty("version").GetString());
        Assert.True(answer.GetProperty("freshness").GetProperty("data_version").GetInt64() > 0);
        var text = result.Text();
        Assert.Contains($"spillover_ratio (ratio, v{ratio.GetProperty("version").GetString()})", text, StringComparison.Ordinal);
        var first = answer.GetProperty("rows")[0];
        Assert.Contains(first.GetProperty("team").GetString()!, text.Split('\n')[2], StringComparison.Ordinal);

        // the job row: who ran what, with which SQL and versions, and the result
        var jobId = answer.GetProperty("job_id").GetString();
        var job = await ApiAssert.OkAsync(await http.GetAsync($"/api/v1/jobs/{jobId}", Ct));
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(McpQueryRunner.Source, job.GetProperty("translator").GetString());
        Assert.Equal(rest.GetProperty("sql").GetString(), job.GetProperty("sql").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty("spec").GetRawText()), JsonNode.Parse(job.GetProperty("spec").GetRawText())));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty("rows").GetRawText()), JsonNode.Parse(job.GetProperty("result").GetProperty("rows").GetRawText())));
        // another test of this class may have answered the same spec at the same as_of: then the answer cache served it
        var answered = answer.GetProperty("cache").GetString() == "hit" ? "cache" : "execute";
        Assert.Equal(new[] { answered, "plan", "validate" }.Order(), job.GetProperty("stage_durations").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("quinn", await JobUserAsync(seeded.Db, Guid.Parse(jobId!)));
        // a spec run is no chat conversation: quinn, who only ran specs, has none
        var conversations = await ApiAssert.OkAsync(await http.GetAsync("/api/v1/conversations", Ct));
        Assert.Equal(0, conversations.ValueKind == JsonValueKind.Array ? conversations.GetArrayLength() : conversations.GetProperty("conversations").GetArrayLength());
    }

    [Fact]
    public async Task An_invalid_spec_returns_the_typed_errors_of_POST_query_and_a_failed_job()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        var token = McpFixture.Token(api, seeded.Slug);
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, token);
        using var http = McpFixture.Http(baseAddress, token);
        const string invalid = """{"metrics":["spilover_ratio"],"filters":[{"dimension":"team","op":"eq","values":["Atlantis"]}],"limit":0}""";

        var result = await mcp.CallAsync("query", new() { ["spec"] = McpFixture.Spec(invalid) });
        var rejected = result.Structured(error: true);
        var problem = await ApiAssert.ProblemAsync(await http.PostRawAsync("/api/v1/query", invalid), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_spec", rejected.GetProperty("error").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(problem.GetProperty("errors").GetRawText()), JsonNode.Parse(rejected.GetProperty("errors").GetRawText())),
            $"MCP errors {rejected.GetProperty("errors")} differ from the 400's {problem.GetProperty("errors")}");
        var metric = rejected.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("path").GetString() == "metrics[0]");
        Assert.Contains("spillover_ratio", metric.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
        Assert.False(string.IsNullOrEmpty(metric.GetProperty("rule").GetString()));
        Assert.Contains("metrics[0]", result.Text(), StringComparison.Ordinal);
        Assert.Contains("limit", result.Text(), StringComparison.Ordinal);

        var job = await ApiAssert.OkAsync(await http.GetAsync($"/api/v1/jobs/{rejected.GetProperty("job_id").GetString()}", Ct));
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("metrics[0]", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("spilover_ratio", job.GetProperty("spec").GetProperty("metrics")[0].GetString());

        // JSON that is not a spec at all (a model that quoted it badly) is a typed error too
        var garbled = (await mcp.CallAsync("query", new() { ["spec"] = "{\"metrics\": [" })).Structured(error: true);
        Assert.Equal("json", garbled.GetProperty("errors")[0].GetProperty("rule").GetString());
        var quoted = (await mcp.CallAsync("query", new() { ["spec"] = Spillover, ["as_of"] = McpFixture.AsOf })).Structured();
        Assert.Equal(3, quoted.GetProperty("rows").GetArrayLength());
        var missing = (await mcp.CallAsync("query", new() { ["as_of"] = McpFixture.AsOf })).Structured(error: true);
        Assert.Equal(["spec"], missing.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        var tenantArgument = (await mcp.CallAsync("query", new() { ["spec"] = McpFixture.Spec(Spillover), ["tenant"] = seeded.Other })).Structured(error: true);
        Assert.Equal(["tenant"], tenantArgument.GetProperty("unknown").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("token", tenantArgument.GetProperty("message").GetString(), StringComparison.Ordinal);
        var badAsOf = (await mcp.CallAsync("query", new() { ["spec"] = McpFixture.Spec(Spillover), ["as_of"] = "yesterday" })).Structured(error: true);
        Assert.Contains("as_of", badAsOf.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_example_in_the_query_description_runs()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, McpFixture.Token(api, seeded.Slug));

        foreach (var example in McpToolDescriptions.Examples)
        {
            var answer = (await mcp.CallAsync("query", new() { ["spec"] = McpFixture.Spec(example.Spec), ["as_of"] = McpFixture.AsOf })).Structured();
            Assert.True(answer.GetProperty("rows").GetArrayLength() > 0, $"example '{example.Says}' returned no rows");
        }
    }

    [Fact]
    public async Task Without_a_valid_token_the_server_answers_401()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;

        var none = await Assert.ThrowsAnyAsync<Exception>(() => McpFixture.ConnectAsync(baseAddress, null));
        Assert.Equal(HttpStatusCode.Unauthorized, StatusOf(none));
        var forged = await Assert.ThrowsAnyAsync<Exception>(() => McpFixture.ConnectAsync(baseAddress, McpFixture.Token(api, seeded.Slug)[..^4] + "AAAA"));
        Assert.Equal(HttpStatusCode.Unauthorized, StatusOf(forged));

        // the raw request: 401 ProblemDetails and a Bearer challenge, as on every endpoint
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, Ct);
        await ApiAssert.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_tenant_sees_only_its_own_data_and_jobs()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var (api, baseAddress) = McpFixture.Start(seeded.Db);
        await using var _ = api;
        var ownToken = McpFixture.Token(api, seeded.Slug);
        var otherToken = McpFixture.Token(api, seeded.Other);
        await using var own = await McpFixture.ConnectAsync(baseAddress, ownToken);
        await using var other = await McpFixture.ConnectAsync(baseAddress, otherToken);
        using var otherHttp = McpFixture.Http(baseAddress, otherToken);
        const string byTeam = """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"all"}}""";

        // each token's teams are its tenant's, never the other's
        Assert.Equal(["Atlas", "Orion", "Phoenix"], Values((await own.CallAsync("list_dimension_values", new() { ["dimension"] = "team" })).Structured()));
        Assert.Equal(["Small Team"], Values((await other.CallAsync("list_dimension_values", new() { ["dimension"] = "team" })).Structured()));

        // the same spec answers each tenant from its own rows, equal to its own POST /api/v1/query
        var ownRows = (await own.CallAsync("query", new() { ["spec"] = McpFixture.Spec(byTeam), ["as_of"] = McpFixture.AsOf })).Structured();
        var otherRows = (await other.CallAsync("query", new() { ["spec"] = McpFixture.Spec(byTeam), ["as_of"] = McpFixture.AsOf })).Structured();
        Assert.Equal(["Atlas", "Orion", "Phoenix"], ownRows.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("team").GetString()).Order());
        Assert.Equal(["Small Team"], otherRows.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("team").GetString()));
        var otherRest = await ApiAssert.OkAsync(await otherHttp.PostRawAsync($"/api/v1/query?as_of={McpFixture.AsOf}", byTeam));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(otherRest.GetProperty("rows").GetRawText()), JsonNode.Parse(otherRows.GetProperty("rows").GetRawText())));

        // naming the other tenant's team is an unknown value, not a way in
        var probe = """{"metrics":["completed_issues"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"all"}}""";
        var refused = (await other.CallAsync("query", new() { ["spec"] = McpFixture.Spec(probe) })).Structured(error: true);
        var error = refused.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal("filters[0].values[0]", error.GetProperty("path").GetString());
        Assert.Equal(["Small Team"], error.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));

        // and the other tenant cannot read this tenant's job, over HTTP or MCP
        var ownJob = ownRows.GetProperty("job_id").GetString();
        await ApiAssert.ProblemAsync(await otherHttp.GetAsync($"/api/v1/jobs/{ownJob}", Ct), HttpStatusCode.NotFound);
        Assert.Equal("not_found", (await other.CallAsync("get_job", new() { ["job_id"] = ownJob })).Structured(error: true).GetProperty("error").GetString());
        Assert.Equal("completed", (await own.CallAsync("get_job", new() { ["job_id"] = ownJob })).Structured().GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ask_answers_through_the_pipeline_with_the_spec_it_ran_and_is_rate_limited_per_tenant()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var translator = new Ask.TestTranslator();
        var (api, baseAddress) = McpFixture.Start(seeded.Db, new Dictionary<string, string?>
        {
            ["RateLimits:Ask:PermitLimit"] = "2",
            ["RateLimits:Ask:WindowSeconds"] = "3600",
        }, translator);
        await using var _ = api;
        var token = McpFixture.Token(api, seeded.Slug, user: "ada");
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, token);
        using var http = McpFixture.Http(baseAddress, token);
        var progress = new List<string>();

        var asked = await mcp.CallToolAsync("ask", new Dictionary<string, object?> { ["question"] = Ask.AskFixture.Question(Spillover), ["as_of"] = McpFixture.AsOf },
            new SyncProgress(p => { lock (progress) { progress.Add(p.Message ?? ""); } }), cancellationToken: Ct);
        var answer = asked.Structured();
        var rest = await ApiAssert.OkAsync(await http.PostRawAsync($"/api/v1/query?as_of={McpFixture.AsOf}", Spillover));

        Assert.Equal("completed", answer.GetProperty("status").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty("spec").GetRawText()), JsonNode.Parse(answer.GetProperty("spec").GetRawText())));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(rest.GetProperty("rows").GetRawText()), JsonNode.Parse(answer.GetProperty("rows").GetRawText())));
        Assert.Equal(Ask.AskFixture.Question(Spillover), answer.GetProperty("question").GetString());
        // progress notifications travel apart from the tool's result and may land just after it
        for (var wait = 0; wait < 50 && !Snapshot(progress).Any(p => p.StartsWith("executing", StringComparison.Ordinal)); wait++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Contains(Snapshot(progress), p => p.StartsWith("executing", StringComparison.Ordinal));
        Assert.True(answer.GetProperty("freshness").GetProperty("data_version").GetInt64() > 0);
        Assert.Equal(JsonValueKind.String, answer.GetProperty("freshness").GetProperty("refreshed_at").ValueKind);
        Assert.Contains("data as of ", ((ModelContextProtocol.Protocol.TextContentBlock)asked.Content[0]).Text, StringComparison.Ordinal);
        var job = await ApiAssert.OkAsync(await http.GetAsync($"/api/v1/jobs/{answer.GetProperty("job_id").GetString()}", Ct));
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal("test", job.GetProperty("translator").GetString());

        // a follow-up in the same conversation gets the previous spec; a clarification is an answer, not an error
        var conversation = answer.GetProperty("conversation_id").GetString();
        var clarified = (await mcp.CallAsync("ask", new() { ["question"] = "clarify: which metric?", ["conversation_id"] = conversation })).Structured();
        Assert.Equal("clarification", clarified.GetProperty("status").GetString());
        Assert.Equal(conversation, clarified.GetProperty("conversation_id").GetString());
        Assert.Equal(2, clarified.GetProperty("clarification").GetProperty("options").GetArrayLength());
        Assert.NotNull(translator.Requests.Last().Previous);

        // the tenant's budget (2 per hour here) is spent: the third question is refused with when to retry
        var limited = (await mcp.CallAsync("ask", new() { ["question"] = Ask.AskFixture.Question(Spillover) })).Structured(error: true);
        Assert.Equal("rate_limited", limited.GetProperty("error").GetString());
        Assert.True(limited.GetProperty("retry_after_seconds").GetInt32() > 0);
        Assert.Equal(2, translator.Requests.Count);
    }

    [Fact]
    public async Task An_ask_that_outlasts_the_wait_answers_with_its_job_which_runs_on()
    {
        var seeded = await McpFixture.SeededAsync(server);
        var translator = new Ask.TestTranslator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var (api, baseAddress) = McpFixture.Start(seeded.Db, new Dictionary<string, string?> { ["Mcp:AskWaitSeconds"] = "1" }, translator);
        await using var _ = api;
        var token = McpFixture.Token(api, seeded.Slug);
        await using var mcp = await McpFixture.ConnectAsync(baseAddress, token);
        using var http = McpFixture.Http(baseAddress, token);

        // a question no other test asks: one already answered would be answered from the question cache at once
        var question = Ask.AskFixture.Question(Spillover[..^1] + ""","limit":29}""");
        var pending = (await mcp.CallAsync("ask", new() { ["question"] = question, ["as_of"] = McpFixture.AsOf })).Structured(error: true);

        Assert.Equal("translating", pending.GetProperty("status").GetString());
        var jobId = pending.GetProperty("job_id").GetString();
        Assert.Contains($"/api/v1/jobs/{jobId}", pending.GetProperty("message").GetString(), StringComparison.Ordinal);
        translator.Gate.SetResult();
        var events = await Ask.Sse.AllAsync(http, $"/api/v1/jobs/{jobId}/events");
        Assert.Equal("completed", events[^1].Type);
        var done = (await mcp.CallAsync("get_job", new() { ["job_id"] = jobId })).Structured();
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(events[^1].Json["result"]!["rows"]!.ToJsonString()), JsonNode.Parse(done.GetProperty("rows").GetRawText())));
    }

    private static IEnumerable<string?> Values(JsonElement page) => page.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("value").GetString());

    private static IEnumerable<string> Columns(JsonElement result) =>
        result.GetProperty("columns").EnumerateArray().Select(c => string.Join('/', new[] { "name", "kind", "unit", "version" }
            .Select(f => c.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : "-")));

    private static HttpStatusCode? StatusOf(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException { StatusCode: { } status })
            {
                return status;
            }
        }

        Assert.Fail($"no HTTP status in {e}");
        return null;
    }

    private static async Task<string?> JobUserAsync(TestDatabase db, Guid jobId)
    {
        await using var command = db.DataSources.Owner.CreateCommand("SELECT user_id FROM analytics_jobs WHERE id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = jobId });
        return (string?)await command.ExecuteScalarAsync(Ct);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, so a test could read before it lands).</summary>
    private sealed class SyncProgress(Action<ModelContextProtocol.ProgressNotificationValue> report) : IProgress<ModelContextProtocol.ProgressNotificationValue>
    {
        public void Report(ModelContextProtocol.ProgressNotificationValue value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }

    private static List<string> Snapshot(List<string> progress)
    {
        lock (progress)
        {
            return [.. progress];
        }
    }
}
