using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Ask;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>
/// The MCP tools. Each reads the tenant and the user from the bearer token (<see cref="ClaimsPrincipal"/> of the request;
/// no tool takes a tenant) and goes through the services the HTTP endpoints use: the catalog reader (<see cref="McpCatalog"/>), the tenant's
/// dimension members, <see cref="McpQueryRunner"/> over the query executor, <see cref="McpAsker"/> over the ask pipeline.
/// Descriptions come from <see cref="McpToolDescriptions"/> (see <see cref="McpServiceCollectionExtensions"/>).
/// </summary>
[McpServerToolType]
public sealed class SpiralMcpTools(
    McpCatalog catalogs,
    McpDimensionValues dimensions,
    McpQueryRunner queries,
    McpAsker asker,
    McpRateLimiter limiter,
    JobStore jobs,
    Infrastructure.Tenants.TenantDirectory tenants,
    IOptions<McpOptions> options,
    ILogger<SpiralMcpTools> logger)
{
    public const string ListMetricsName = "list_metrics";
    public const string DescribeMetricName = "describe_metric";
    public const string ListDimensionValuesName = "list_dimension_values";
    public const string QueryName = "query";
    public const string AskName = "ask";
    public const string GetJobName = "get_job";

    [McpServerTool(Name = ListMetricsName, Title = "List the metrics", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    public async Task<CallToolResult> ListMetricsAsync(
        ClaimsPrincipal user,
        [Description("only this category: throughput, lead_time, sprint_health, quality, capacity or composite")] string? category = null,
        [Description("only metrics whose name, display name, synonyms or description contain this text (case-insensitive)")] string? search = null,
        [Description("also list deprecated metrics (each names its replacement)")] bool include_deprecated = false,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            if (category is not null && !MetricCategories.All.Contains(category))
            {
                throw new UserErrorException(
                    $"unknown category '{category}'{CatalogText.DidYouMean(category, MetricCategories.All)} (categories: {string.Join(", ", MetricCategories.All)})");
            }

            var catalog = await catalogs.LoadAsync(user.Tenant(), ct);
            var metrics = (include_deprecated ? catalog.All : catalog.Active)
                .Where(m => category is null || m.Category == category)
                .Where(m => string.IsNullOrWhiteSpace(search) || Mentions(m, search.Trim()))
                .ToList();
            var list = new JsonArray();
            var text = new StringBuilder();
            foreach (var m in metrics)
            {
                var item = new JsonObject
                {
                    ["name"] = m.Name,
                    ["display_name"] = m.DisplayName,
                    ["category"] = m.Category,
                    ["unit"] = m.Unit,
                    ["version"] = m.Version,
                    ["status"] = m.Status,
                    ["dimensions"] = Strings(m.Dimensions),
                    ["description"] = m.Description,
                };
                if (m.ReplacedBy is not null)
                {
                    item["replaced_by"] = m.ReplacedBy;
                }

                list.Add(item);
                text.Append(m.Name).Append(" (").Append(m.DisplayName).Append("; ").Append(m.Unit).Append("; v").Append(m.Version)
                    .Append(m.IsActive ? "" : $"; deprecated, use {m.ReplacedBy}").Append("): by ").AppendJoin(", ", m.Dimensions).Append('\n');
            }

            text.Append(metrics.Count.ToString(CultureInfo.InvariantCulture)).Append(" metric(s); describe_metric NAME for a definition");
            return McpResults.Ok(new JsonObject { ["metrics"] = list, ["count"] = metrics.Count }, text.ToString());
        });

    [McpServerTool(Name = DescribeMetricName, Title = "Describe a metric", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    public async Task<CallToolResult> DescribeMetricAsync(
        ClaimsPrincipal user,
        [Description("the metric's name, e.g. spillover_ratio")] string name,
        [Description("a stored version (MAJOR.MINOR.PATCH); default: the current one")] string? version = null,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            var definition = await catalogs.GetAsync(user.Tenant(), name, version, ct);
            var versions = await catalogs.VersionsAsync(user.Tenant(), definition.Name, ct);
            var node = MetricJson.ToNode(definition);
            node["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject
            {
                ["version"] = v.Version,
                ["created_at"] = v.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["current"] = v.IsCurrent,
            }).ToArray());
            var text = $"{definition.Name} v{definition.Version} ({definition.DisplayName}; {definition.Type}; unit {definition.Unit}; "
                       + $"{definition.Direction}; grain {definition.Grain}; status {definition.Status}): {definition.Description}\n"
                       + $"dimensions: {string.Join(", ", definition.Dimensions)}\nsynonyms: {string.Join(", ", definition.Synonyms)}\n"
                       + $"versions: {string.Join(", ", versions.Select(v => v.IsCurrent ? v.Version + " (current)" : v.Version))}";
            return McpResults.Ok(node, text);
        });

    [McpServerTool(Name = ListDimensionValuesName, Title = "List a dimension's values", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    public async Task<CallToolResult> ListDimensionValuesAsync(
        ClaimsPrincipal user,
        [Description("team, sprint, assignee, issue_type, priority, epic or label")] string dimension,
        [Description("only values containing this text (case-insensitive)")] string? search = null,
        [Description("at most this many values (default 50)")] int limit = 50,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            var max = options.Value.MaxDimensionValues;
            if (limit < 1 || limit > max)
            {
                throw new UserErrorException($"limit must be between 1 and {max.ToString(CultureInfo.InvariantCulture)}");
            }

            var page = await dimensions.ListAsync(user.Tenant(), dimension, search, limit, ct);
            var values = new JsonArray(page.Values.Select(v => (JsonNode)(v.Aliases.Count == 0
                ? new JsonObject { ["value"] = v.Value }
                : new JsonObject { ["value"] = v.Value, ["aliases"] = Strings(v.Aliases) })).ToArray());
            var structured = new JsonObject
            {
                ["dimension"] = page.Dimension,
                ["values"] = values,
                ["returned"] = page.Values.Count,
                ["total"] = page.Total,
                ["truncated"] = page.Total > page.Values.Count,
                ["filterable"] = page.Filterable,
            };
            var text = $"{page.Dimension}: {string.Join(", ", page.Values.Select(v => v.Aliases.Count == 0 ? v.Value : $"{v.Value} ({string.Join(", ", v.Aliases)})"))}"
                       + $"\n{page.Values.Count.ToString(CultureInfo.InvariantCulture)} of {page.Total.ToString(CultureInfo.InvariantCulture)}"
                       + (page.Filterable ? "" : "; labels cannot be used in spec filters");
            return McpResults.Ok(structured, text);
        });

    [McpServerTool(Name = QueryName, Title = "Run an AnalyticsSpec", ReadOnly = false, Idempotent = true, OpenWorld = false)]
    public async Task<CallToolResult> QueryAsync(
        ClaimsPrincipal user,
        [Description("the AnalyticsSpec, a JSON object (its JSON Schema is in this tool's description)")] JsonElement spec,
        [Description("answer as of this instant: ISO date (2026-03-01) or date-time, UTC; default now")] string? as_of = null,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            var at = AsOfText.Parse(as_of, "as_of");
            var outcome = await queries.RunAsync(user.Tenant(), user.UserId(), spec, at, ct);
            return outcome.Result is { } result
                ? McpResults.Answer(result, outcome.JobId, options.Value.TextRows)
                : McpResults.InvalidSpec(outcome.Errors, outcome.JobId);
        });

    [McpServerTool(Name = AskName, Title = "Ask a question", ReadOnly = false, Idempotent = false, OpenWorld = false)]
    public async Task<CallToolResult> AskAsync(
        ClaimsPrincipal user,
        [Description("the question, in plain words")] string question,
        [Description("the conversation_id of an earlier answer, to ask a follow-up")] string? conversation_id = null,
        [Description("answer as of this instant: ISO date (2026-03-01) or date-time, UTC; default now")] string? as_of = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            var tenant = user.Tenant();
            var at = AsOfText.Parse(as_of, "as_of");
            Guid? conversation = null;
            if (!string.IsNullOrWhiteSpace(conversation_id))
            {
                conversation = Guid.TryParse(conversation_id, out var id)
                    ? id
                    : throw new UserErrorException($"conversation_id '{conversation_id}' is not a conversation id (a UUID from an earlier answer)");
            }

            using var lease = await limiter.AcquireAsync(tenant, ct);
            if (!lease.IsAcquired)
            {
                Log.McpRefused(logger, AskName, tenant, "rate limit");
                return RateLimited(lease);
            }

            var outcome = await asker.AskAsync(tenant, user.UserId(), question, conversation, at, progress, ct);
            return AskResult(outcome);
        });

    [McpServerTool(Name = GetJobName, Title = "Read a job", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    public async Task<CallToolResult> GetJobAsync(
        ClaimsPrincipal user,
        [Description("the job_id of an earlier query or ask")] string job_id,
        CancellationToken ct = default) =>
        await GuardAsync(async () =>
        {
            var tenantId = await tenants.ResolveAsync(user.Tenant(), ct);
            var job = (Guid.TryParse(job_id, out var id) ? await jobs.GetAsync(tenantId, id, ct) : null)
                      ?? throw new NotFoundException($"no job '{job_id}' (a job_id from an earlier query or ask of your tenant)");
            var about = new JsonObject
            {
                ["job_id"] = job.Id.ToString(),
                ["status"] = job.Status,
                ["translator"] = job.Translator,
                ["created_at"] = job.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            if (job.ConversationId is { } conversation)
            {
                about["conversation_id"] = conversation.ToString();
            }

            if (job.Status == JobStatuses.Completed && job.Result?.Deserialize(AskJsonContext.Default.QueryResult) is { } result)
            {
                return McpResults.Answer(result, job.Id, options.Value.TextRows, about);
            }

            about["question"] = job.Question;
            about["spec"] = job.Spec?.DeepClone();
            about["clarification"] = job.Clarification?.DeepClone();
            about["error"] = job.Error;
            return McpResults.Ok(about, $"job {job.Id}: {job.Status}{(job.Error is null ? "" : $": {job.Error}")}");
        });

    private CallToolResult AskResult(McpAskOutcome outcome)
    {
        var about = new JsonObject
        {
            ["job_id"] = outcome.JobId.ToString(),
            ["conversation_id"] = outcome.ConversationId.ToString(),
            ["status"] = outcome.Status,
        };
        switch (outcome.Final)
        {
            case { Status: JobStatuses.Completed } final when McpAsker.ResultOf(final) is { } result:
                var answer = McpResults.Answer(result, outcome.JobId, options.Value.TextRows,
                    new JsonObject { ["conversation_id"] = about["conversation_id"]!.DeepClone(), ["status"] = outcome.Status });
                answer.Content = [new TextContentBlock { Text = $"{((TextContentBlock)answer.Content[0]).Text}\nconversation {outcome.ConversationId}" }];
                return answer;
            case { Status: JobStatuses.Clarification, Clarification: { } clarification }:
                about["clarification"] = JsonSerializer.SerializeToNode(clarification, AskJsonContext.Default.Clarification);
                return McpResults.Ok(about,
                    $"{clarification.Reason}\n{string.Join('\n', clarification.Options.Select(o => $"- {o.Label}: ask \"{o.Question}\""))}"
                    + $"\n(conversation {outcome.ConversationId}: pass it as conversation_id with the chosen question)");
            case { } final:
                about["error"] = final.Status;
                about["message"] = final.Error ?? final.Detail ?? final.Status;
                return McpResults.Error(about, $"the question was not answered ({final.Status}): {about["message"]}");
            default:
                about["message"] = $"still {outcome.Status} after {options.Value.AskWaitSeconds.ToString(CultureInfo.InvariantCulture)} s; "
                                   + $"the job runs on: read it with get_job (or GET /api/v1/jobs/{outcome.JobId})";
                return McpResults.Error(about, (string)about["message"]!);
        }
    }

    private CallToolResult RateLimited(System.Threading.RateLimiting.RateLimitLease lease)
    {
        var limits = limiter.Limits;
        var retry = lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(limits.WindowSeconds);
        var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
        var message = $"your tenant may ask {limits.PermitLimit.ToString(CultureInfo.InvariantCulture)} question(s) per "
                      + $"{limits.WindowSeconds.ToString(CultureInfo.InvariantCulture)} s; try again in {seconds.ToString(CultureInfo.InvariantCulture)} s";
        return McpResults.Error(new JsonObject { ["error"] = "rate_limited", ["message"] = message, ["retry_after_seconds"] = seconds }, message);
    }

    /// <summary>User errors become tool errors the model can act on; everything else is thrown for the SDK to report without internals.</summary>
    private static async Task<CallToolResult> GuardAsync(Func<Task<CallToolResult>> run)
    {
        try
        {
            return await run();
        }
        catch (UserErrorException e)
        {
            return McpResults.UserError(e);
        }
        catch (ServiceUnavailableException e)
        {
            throw new McpException($"a required service is unavailable: {e.Message}; try again");
        }
    }

    private static bool Mentions(MetricDefinition m, string text) =>
        m.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
        || m.DisplayName.Contains(text, StringComparison.OrdinalIgnoreCase)
        || m.Description.Contains(text, StringComparison.OrdinalIgnoreCase)
        || m.Synonyms.Any(s => s.Contains(text, StringComparison.OrdinalIgnoreCase));

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
