using System.CommandLine;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Demo;

namespace SpiralAnalytics.Cli.Commands;

internal static class DemoCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "the tenant's slug (created when missing)", Required = true };
        var sprints = new Option<int>("--sprints")
        {
            Description = $"sprints in all, shared out across the {DemoTeams.All.Count} teams (about 40 issues each)",
            DefaultValueFactory = _ => DemoOptions.DefaultSprints,
        };
        var seed = new Option<int>("--seed") { Description = "the random seed: the same seed gives the same data", DefaultValueFactory = _ => DemoOptions.DefaultSeed };
        var asOf = new Option<DateOnly?>("--as-of") { Description = "the day the active sprints are in (UTC; default today)" };
        var refresh = new Option<bool>("--refresh") { Description = "refresh the analytics views afterwards" };
        var seedCommand = new Command("seed", "Generate realistic, deterministic demo data into a tenant") { tenant, sprints, seed, asOf, refresh };
        seedCommand.SetAction(async (parse, ct) =>
        {
            var slug = parse.GetValue(tenant)!;
            var options = new DemoOptions(
                DemoTeams.All.Count, parse.GetValue(sprints), parse.GetValue(seed), parse.GetValue(asOf) ?? DateOnly.FromDateTime(DateTime.UtcNow));
            options.Validate();
            using var host = cli.BuildHost();
            var report = await cli.Service<DemoSeeder>(host).SeedAsync(slug, options, new SynchronousProgress<string>(line => cli.Error.WriteLine(line)), ct);
            foreach (var table in report.Tables)
            {
                await cli.Out.WriteLineAsync(
                    $"  {table.Table,-18} {table.Rows,9} rows: {table.Inserted} new, {table.Updated} updated, {table.Unchanged} unchanged");
            }

            await cli.Out.WriteLineAsync(
                $"seeded tenant '{slug}' with {report.RowsOf("teams")} teams, {report.RowsOf("sprints")} sprints and {report.RowsOf("issues")} issues " +
                $"(seed {options.Seed}) in {report.Duration.TotalSeconds:0.00} s: generated in {report.Generation.TotalSeconds:0.00} s, " +
                $"loaded in {report.Load.TotalSeconds:0.00} s" + (report.ChangedAnything ? "" : " (nothing changed)"));
            if (parse.GetValue(refresh))
            {
                var refreshed = await cli.Service<AnalyticsRefresher>(host).RefreshAsync(null, ct);
                await cli.Out.WriteLineAsync($"refreshed the analytics views in {refreshed.Duration.TotalSeconds:0.00} s; data version {refreshed.DataVersion}");
            }
            else
            {
                await cli.Out.WriteLineAsync("run 'spiral refresh' to bring the analytics views up to date");
            }

            return ExitCodes.Success;
        });
        return new Command("demo", "Demo data") { seedCommand };
    }
}
