using System.Reflection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>The MCP server: <c>AddSpiralMcp()</c> registers it, <c>MapSpiralMcp()</c> serves it on <c>/mcp</c>.</summary>
public static class McpServiceCollectionExtensions
{
    public const string Path = "/mcp";

    /// <summary>
    /// The MCP server over streamable HTTP, stateless: every request is a bearer-authenticated HTTP request like any other
    /// endpoint's, no session outlives it, and any API node can answer. Tools: <see cref="SpiralMcpTools"/>, with the
    /// descriptions of <see cref="McpToolDescriptions"/>, arguments checked by <see cref="McpArgumentCheck"/>. Options: section <c>Mcp</c>; the ask tool's limit: <c>RateLimits:Ask</c>.
    /// </summary>
    public static IHostApplicationBuilder AddSpiralMcp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<McpOptions>().BindConfiguration(McpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<McpCatalog>();
        builder.Services.AddSingleton<McpQueryRunner>();
        builder.Services.AddSingleton<McpAsker>();
        builder.Services.AddSingleton<McpDimensionValues>();
        builder.Services.AddSingleton<McpRateLimiter>();
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new() { Name = "spiral-analytics", Version = typeof(McpServiceCollectionExtensions).Assembly.GetName().Version?.ToString() ?? "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateless)
            .AddAuthorizationFilters() // [Authorize] on a tool (an admin-only one, say) is then honoured per call
            .WithRequestFilters(filters => filters.AddCallToolFilter(McpArgumentCheck.Filter))
            .WithSpiralTools<SpiralMcpTools>();
        return builder;
    }

    /// <summary>
    /// <c>/mcp</c> behind the API's fallback policy: an authenticated user with a tenant claim (401 ProblemDetails and
    /// <c>WWW-Authenticate: Bearer</c> otherwise), the same JWTs as every endpoint.
    /// </summary>
    public static IEndpointRouteBuilder MapSpiralMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization().WithTags("MCP");
        return app;
    }

    /// <summary>
    /// What <c>WithTools&lt;T&gt;()</c> does (one tool per <see cref="McpServerToolAttribute"/> method, a new instance of
    /// <typeparamref name="T"/> from the request's services per call), but with the description from
    /// <see cref="McpToolDescriptions.For"/>: an attribute cannot hold the spec's schema, which is read at run time.
    /// </summary>
    private static IMcpServerBuilder WithSpiralTools<T>(this IMcpServerBuilder mcp) where T : class
    {
        foreach (var method in typeof(T).GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<McpServerToolAttribute>() is not { Name: { } name })
            {
                continue;
            }

            mcp.Services.AddSingleton(services => McpServerTool.Create(
                method,
                request => ActivatorUtilities.CreateInstance<T>(request.Services!),
                new McpServerToolCreateOptions { Services = services, Description = McpToolDescriptions.For(name) }));
        }

        return mcp;
    }
}
