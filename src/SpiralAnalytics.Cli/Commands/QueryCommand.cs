using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Cli.Commands;

/// <summary><c>spiral query --spec FILE|- --tenant SLUG [--as-of DATE] [--json]</c> and <c>spiral query --schema</c> (CLI.md).</summary>
internal static class QueryCommand
{
    public static Command Create(CliContext cli)
    {
        var spec = new Option<string?>("--spec") { Description = "the AnalyticsSpec JSON file, or - for stdin" };
        var tenant = new Option<string?>("--tenant") { Description = "the tenant's slug" };
        var asOf = new Option<string?>("--as-of") { Description = "resolve time against this instant (ISO date or date-time, UTC; default: now)" };
        var json = new Option<bool>("--json") { Description = "the result object as JSON on stdout" };
        var schema = new Option<bool>("--schema") { Description = "print the AnalyticsSpec JSON Schema and exit" };
        var command = new Command("query", "Validate and execute an AnalyticsSpec") { spec, tenant, asOf, json, schema };
        command.Validators.Add(result =>
        {
            if (result.GetValue(schema))
            {
                return;
            }

            if (result.GetValue(spec) is null)
            {
                result.AddError("--spec is required (a file, or - for stdin)");
            }

            if (result.GetValue(tenant) is null)
            {
                result.AddError("--tenant is required");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(schema))
            {
                await cli.Out.WriteLineAsync(SpecSchema.Json.TrimEnd());
                return ExitCodes.Success;
            }

            var file = parse.GetValue(spec)!;
            string text;
            if (file == "-")
            {
                text = await cli.In.ReadToEndAsync(ct);
            }
            else if (!File.Exists(file))
            {
                throw new UserErrorException($"spec file '{file}' not found");
            }
            else
            {
                text = await File.ReadAllTextAsync(file, ct);
            }

            var at = AsOfText.Parse(parse.GetValue(asOf), "--as-of");
            using var host = cli.BuildHost();
            var result = await cli.Service<QueryService>(host).RunAsync(text, parse.GetValue(tenant)!, at, ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(result, QueryJsonContext.Default.QueryResult));
                return ExitCodes.Success;
            }

            await ResultText.WriteAsync(cli, result);

            return ExitCodes.Success;
        });
        return command;
    }
}
