using SpiralAnalytics.Infrastructure.Analytics;
using System.CommandLine;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Jira;

namespace SpiralAnalytics.Cli.Commands;

internal static class JiraCommands
{
    /// <summary>
    /// <c>import jira --tenant T --url URL --board ID [--email E --token-file F | --pat-file F] [--full]</c>.
    /// Secrets are only ever read from files or configuration: there is deliberately no option that takes a token.
    /// </summary>
    public static Command CreateImport(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "the tenant's slug", Required = true };
        var url = new Option<string?>("--url") { Description = "the Jira site, e.g. https://example.atlassian.net (default: Jira:Url)" };
        var board = new Option<long>("--board") { Description = "the board's id (the number in the board's URL)", Required = true };
        var email = new Option<string?>("--email") { Description = "Jira Cloud: the account's email, with --token-file" };
        var tokenFile = new Option<string?>("--token-file") { Description = "Jira Cloud: a file holding the API token" };
        var patFile = new Option<string?>("--pat-file") { Description = "Jira Data Center: a file holding a personal access token" };
        var full = new Option<bool>("--full") { Description = "read every issue, not only those updated since the last sync" };
        var command = new Command("jira", "Sync a Jira board's sprints, issues and changelogs into a tenant (incremental)")
        {
            tenant, url, board, email, tokenFile, patFile, full,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(patFile) is not null && (result.GetValue(tokenFile) is not null || result.GetValue(email) is not null))
            {
                result.AddError("--pat-file cannot be combined with --email or --token-file");
            }
            else if (result.GetValue(tokenFile) is not null && result.GetValue(email) is null)
            {
                result.AddError("--token-file needs --email (the account the API token belongs to)");
            }

            if (result.GetValue(board) <= 0)
            {
                result.AddError("--board must be a positive board id");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var options = cli.Service<IOptions<JiraOptions>>(host).Value;
            var site = parse.GetValue(url) ?? options.Url
                ?? throw new UserErrorException("no Jira site: give --url or set Jira:Url");
            var credentials = JiraCredentials.Resolve(parse.GetValue(email), parse.GetValue(tokenFile), parse.GetValue(patFile), options);
            var slug = parse.GetValue(tenant)!;
            var boardId = parse.GetValue(board);
            await cli.Error.WriteLineAsync($"syncing Jira board {boardId} at {site} into tenant '{slug}' ({credentials.Description}) ...");
            var report = await cli.Service<JiraSync>(host).SyncAsync(
                new JiraSyncRequest(slug, site, boardId, credentials, parse.GetValue(full)), new ConsoleProgress(cli.Error), ct);
            foreach (var warning in report.Warnings)
            {
                await cli.Error.WriteLineAsync($"warning: {warning}");
            }

            foreach (var table in report.Tables)
            {
                await cli.Out.WriteLineAsync(
                    $"  {table.Table,-18} {table.Rows,8} rows: {table.Inserted} new, {table.Updated} updated, {table.Unchanged} unchanged");
            }

            var created = report.Tables.Sum(t => t.Inserted);
            var updated = report.Tables.Sum(t => t.Updated);
            var unchanged = report.Tables.Sum(t => t.Unchanged);
            await cli.Out.WriteLineAsync(
                $"synced board {report.Board.Id} ({report.Board.Name}) into tenant '{slug}' in {report.Duration.TotalSeconds:0.00} s: " +
                $"{report.Sprints} sprints and {report.Issues} issues read " +
                (report.Since is { } since ? $"(changed since {since:yyyy-MM-dd HH:mm:ss}Z); " : "(full); ") +
                $"{created} created, {updated} updated, {unchanged} unchanged" + (report.ChangedAnything ? "" : " (nothing changed)"));
            if (report.ChangedAnything)
            {
                var refresh = await cli.Service<AnalyticsRefresher>(host).RefreshAsync(progress: null, ct);
                await cli.Out.WriteLineAsync($"refreshed the analytics views in {refresh.Duration.TotalSeconds:0.00} s; data version {refresh.DataVersion}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One line per page on stderr, so a long sync shows it is moving.</summary>
    private sealed class ConsoleProgress(TextWriter error) : IProgress<JiraSyncProgress>
    {
        public void Report(JiraSyncProgress value) => error.WriteLine(value.Stage switch
        {
            "writing" => $"  writing {value.Items} issues ...",
            _ => $"  {value.Stage}: page {value.Pages}, {value.Items}{(value.Total is { } total ? $" of {total}" : "")} read",
        });
    }
}
