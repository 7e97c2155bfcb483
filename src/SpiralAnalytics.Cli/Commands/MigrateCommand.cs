using System.CommandLine;
using SpiralAnalytics.Infrastructure.Migrations;

namespace SpiralAnalytics.Cli.Commands;

internal static class MigrateCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("migrate", "Apply migrations/*.sql in order (once each, checksummed, advisory-locked)");
        command.SetAction(async (_, ct) =>
        {
            using var host = cli.BuildHost();
            var report = await cli.Service<SqlMigrator>(host).MigrateAsync(MigrationSource.Embedded(), ct);
            foreach (var name in report.Applied)
            {
                await cli.Out.WriteLineAsync($"applied {name}");
            }

            await cli.Out.WriteLineAsync(report.Applied.Count == 0
                ? $"database is up to date ({report.AlreadyApplied} migrations applied before)"
                : $"applied {report.Applied.Count} migration(s); {report.AlreadyApplied} were applied before");
            return ExitCodes.Success;
        });
        return command;
    }
}
