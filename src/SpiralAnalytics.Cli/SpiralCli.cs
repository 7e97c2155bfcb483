using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Cli.Commands;
using SpiralAnalytics.Infrastructure;

namespace SpiralAnalytics.Cli;

/// <summary>What every command needs: where to write, and the host built with the same wiring as the API.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?>? overrides, TextReader? stdin = null)
{
    public TextReader In { get; } = stdin ?? Console.In;

    /// <summary>Configuration given by the caller (tests), on top of the environment and appsettings.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; } = overrides ?? new Dictionary<string, string?>();

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Builds the host; nothing connects until a service is used, so --help never needs a database.</summary>
    public IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "spiral",
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(
            Enum.TryParse<LogLevel>(builder.Configuration["Spiral:CliLogLevel"], ignoreCase: true, out var level) ? level : LogLevel.Warning);
        builder.AddSpiralData();
        builder.AddSpiralJira();
        builder.AddSpiralCatalog();
        builder.AddSpiralQueries();
        builder.AddSpiralTranslation();
        builder.AddSpiralTokens();
        builder.AddSpiralAsk();
        builder.AddSpiralOverview();
        builder.AddSpiralAlerts();
        builder.AddSpiralVerified();
        return builder.Build();
    }

    public T Service<T>(IHost host)
        where T : notnull => host.Services.GetRequiredService<T>();
}

/// <summary>The <c>spiral</c> command (CLI.md). Exit codes: 0 success, 1 user error, 2 usage, 3 service unreachable.</summary>
public static class SpiralCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr,
        IReadOnlyDictionary<string, string?>? configuration = null, CancellationToken ct = default, TextReader? stdin = null)
    {
        var context = new CliContext(stdout, stderr, configuration, stdin);
        var import = CsvCommands.CreateImport(context);
        import.Subcommands.Add(JiraCommands.CreateImport(context));
        var root = new RootCommand("SpiralAnalytics: sprint-health answers from your Jira data")
        {
            MigrateCommand.Create(context),
            TenantCommands.Create(context),
            import,
            CsvCommands.CreateExport(context),
            RefreshCommand.Create(context),
            DemoCommands.Create(context),
            CatalogCommands.Create(context),
            QueryCommand.Create(context),
            TranslateCommand.Create(context),
            AskCommand.Create(context),
            VerifiedCommands.Create(context),
            TokenCommands.Create(context),
            AlertCommands.Create(context),
            OverviewCommand.Create(context),
            ServeCommand.Create(context),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"spiral: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'spiral --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Exception e)
        {
            return await ExitCodes.ReportAsync(e, stderr);
        }
    }
}
