using System.CommandLine;
using SpiralAnalytics.Infrastructure.Bundles;

namespace SpiralAnalytics.Cli.Commands;

internal static class CsvCommands
{
    private static Option<string> TenantOption() =>
        new("--tenant") { Description = "the tenant's slug", Required = true };

    public static Command CreateImport(CliContext cli)
    {
        var directory = new Argument<string>("DIR") { Description = "a CSV bundle folder (CSV-BUNDLE.md)" };
        var tenant = TenantOption();
        var csv = new Command("csv", "Load a CSV bundle into a tenant, all-or-nothing") { directory, tenant };
        csv.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var dir = parse.GetValue(directory)!;
            await cli.Error.WriteLineAsync($"importing {dir} into tenant '{parse.GetValue(tenant)}' ...");
            var report = await cli.Service<BundleImporter>(host).ImportAsync(dir, parse.GetValue(tenant)!, ct);
            foreach (var warning in report.Warnings)
            {
                await cli.Error.WriteLineAsync($"warning: {warning}");
            }

            foreach (var table in report.Tables)
            {
                await cli.Out.WriteLineAsync(
                    $"  {table.Table,-18} {table.Rows,8} rows: {table.Inserted} new, {table.Updated} updated, {table.Unchanged} unchanged");
            }

            await cli.Out.WriteLineAsync(
                $"imported {dir} into tenant '{parse.GetValue(tenant)}' in {report.Duration.TotalSeconds:0.00} s" +
                (report.ChangedAnything ? "" : " (nothing changed)"));
            return ExitCodes.Success;
        });
        return new Command("import", "Import data") { csv };
    }

    public static Command CreateExport(CliContext cli)
    {
        var directory = new Argument<string>("DIR") { Description = "the folder to write the bundle into (created if missing)" };
        var tenant = TenantOption();
        var csv = new Command("csv", "Write a tenant's data as a CSV bundle") { directory, tenant };
        csv.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var dir = parse.GetValue(directory)!;
            var bundle = await cli.Service<BundleExporter>(host).ExportAsync(dir, parse.GetValue(tenant)!, ct);
            await cli.Out.WriteLineAsync(
                $"exported tenant '{parse.GetValue(tenant)}' to {dir}: {bundle.Teams.Count} teams, {bundle.Sprints.Count} sprints, " +
                $"{bundle.Issues.Count} issues, {bundle.Memberships.Count} memberships, {bundle.Transitions.Count} transitions, " +
                $"{bundle.Blocks.Count} blocks, {bundle.Comments.Count} comments");
            return ExitCodes.Success;
        });
        return new Command("export", "Export data") { csv };
    }
}
