using System.CommandLine;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

internal static class RefreshCommand
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string?>("--tenant")
        {
            Description = "check that this tenant exists first (the views hold every tenant, so all are refreshed)",
        };
        var command = new Command("refresh", "Refresh the analytics materialized views; prints the duration and the new data version") { tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            if (parse.GetValue(tenant) is { } slug)
            {
                await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
            }

            var report = await cli.Service<AnalyticsRefresher>(host).RefreshAsync(new SynchronousProgress<ViewRefresh>(v => cli.Error.WriteLine(
                $"  {v.View,-26} {v.Rows,10} rows  {v.Duration.TotalSeconds,7:0.00} s")), ct);
            await cli.Out.WriteLineAsync($"refreshed the analytics views in {report.Duration.TotalSeconds:0.00} s; data version {report.DataVersion}");
            foreach (var note in report.Notes)
            {
                await cli.Out.WriteLineAsync(note);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
