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
        var full = new Option<bool>("--full")
        {
            Description = "rebuild every row of every view (by default only the rows of what changed since the last refresh)",
        };
        var command = new Command("refresh", "Refresh the analytics views; prints the duration and the new data version") { tenant, full };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            if (parse.GetValue(tenant) is { } slug)
            {
                await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
            }

            var report = await cli.Service<AnalyticsRefresher>(host).RefreshAsync(parse.GetValue(full), new SynchronousProgress<ViewRefresh>(v => cli.Error.WriteLine(
                $"  {v.View,-26} {v.Rows,10} rows{(v.Full ? "" : $" rewritten ({v.Deleted} deleted)")}  {v.Duration.TotalSeconds,7:0.00} s")), ct);
            var mode = report.FullBecause is { } reason ? $"full ({reason})" : "partial";
            await cli.Out.WriteLineAsync($"refreshed the analytics views in {report.Duration.TotalSeconds:0.00} s ({mode}); data version {report.DataVersion}");
            foreach (var note in report.Notes)
            {
                await cli.Out.WriteLineAsync(note);
            }

            await cli.Out.WriteLineAsync($"after the commit (stored z-scores, tenant metrics, alerts): {report.AfterCommit.TotalSeconds:0.00} s");

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
