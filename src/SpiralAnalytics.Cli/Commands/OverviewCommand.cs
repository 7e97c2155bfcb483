using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Overview;

namespace SpiralAnalytics.Cli.Commands;

/// <summary><c>spiral overview --tenant SLUG [--team T] [--as-of DATE] [--json]</c>: the health overview of GET /api/v1/overview.</summary>
internal static class OverviewCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
    };

    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "the tenant's slug", Required = true };
        var team = new Option<string?>("--team") { Description = "one team (default: every team)" };
        var asOf = new Option<string?>("--as-of") { Description = "reference date (default: now)" };
        var json = new Option<bool>("--json") { Description = "print the overview as JSON (as the API answers it)" };
        var command = new Command("overview", "Sprint health per team and catalog category: latest closed sprint, trend, sparkline, anomalies")
            { tenant, team, asOf, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var overview = await cli.Service<OverviewService>(host).BuildAsync(parse.GetValue(tenant)!, parse.GetValue(team),
                AsOfText.Parse(parse.GetValue(asOf), "--as-of"), ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(overview, Json));
                return ExitCodes.Success;
            }

            foreach (var card in overview.Cards)
            {
                await cli.Out.WriteLineAsync($"{card.Title} [{card.Status}, {card.ElapsedMs:0} ms]{(card.Error is null ? "" : ": " + card.Error)}");
                foreach (var metric in card.Metrics)
                {
                    var cells = metric.Teams.Select(t => string.Create(CultureInfo.InvariantCulture,
                        $"{t.Team} {t.Value?.ToString("G4", CultureInfo.InvariantCulture) ?? "—"} {Arrow(t.Trend)}{(t.Anomaly ? $" ⚠{t.Z:+0.0;-0.0}σ" : "")}"));
                    await cli.Out.WriteLineAsync($"  {metric.DisplayName,-28} {string.Join("   ", cells)}");
                }
            }

            await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{overview.Teams.Count} team(s) as of {overview.AsOf} in {overview.ElapsedMs:0} ms"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Arrow(string trend) => trend switch { "up" => "▲", "down" => "▼", "flat" => "▶", _ => "" };
}
