using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Translation;
using SpiralAnalytics.Infrastructure.Tenants;
using SpiralAnalytics.Infrastructure.Translation;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral translate "QUESTION" --tenant SLUG [--as-of DATE] [--json] [--previous-spec FILE]</c> and
/// <c>spiral translate --file F --tenant SLUG [--as-of DATE]</c> (CLI.md): the spec the translator produces, or its clarification.
/// </summary>
internal static class TranslateCommand
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    public static Command Create(CliContext cli)
    {
        var question = new Argument<string?>("question") { Description = "the question, in quotes", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "one question per line; one JSON object per line out" };
        var tenant = new Option<string?>("--tenant") { Description = "the tenant's slug" };
        var asOf = new Option<string?>("--as-of") { Description = "resolve time against this instant (ISO date or date-time, UTC; default: now)" };
        var json = new Option<bool>("--json") { Description = "the outcome as JSON on stdout" };
        var previous = new Option<string?>("--previous-spec") { Description = "a spec JSON file: the question is a follow-up that changes it" };
        var command = new Command("translate", "Print the AnalyticsSpec the translator produces for a question, or its clarification")
        {
            question, file, tenant, asOf, json, previous,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(question) is null) == (result.GetValue(file) is null))
            {
                result.AddError("give either a QUESTION or --file F");
            }

            if (result.GetValue(tenant) is null)
            {
                result.AddError("--tenant is required");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var at = AsOfText.Parse(parse.GetValue(asOf), "--as-of") ?? DateTimeOffset.UtcNow;
            var slug = parse.GetValue(tenant)!;
            var prior = await ReadPreviousAsync(parse.GetValue(previous), ct);
            using var host = cli.BuildHost();
            var translator = cli.Service<IQuestionTranslator>(host);
            if (parse.GetValue(file) is { } path)
            {
                if (!File.Exists(path))
                {
                    throw new UserErrorException($"question file '{path}' not found");
                }

                await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
                foreach (var line in await File.ReadAllLinesAsync(path, ct))
                {
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    var entry = new JsonObject { ["question"] = line };
                    try
                    {
                        var outcome = await translator.TranslateAsync(slug, new TranslationRequest(line, at, prior), ct);
                        if (outcome.Spec is { } spec)
                        {
                            entry["spec"] = SpecJson.ToNode(spec);
                        }
                        else
                        {
                            entry["clarification"] = ClarificationNode(outcome.Clarification!);
                        }
                    }
                    catch (Exception e) when (e is not (OperationCanceledException or NpgsqlException or ServiceUnavailableException))
                    {
                        entry["error"] = e is UserErrorException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                    }

                    await cli.Out.WriteLineAsync(entry.ToJsonString(Compact));
                }

                return ExitCodes.Success;
            }

            var text = parse.GetValue(question)!;
            var result = await translator.TranslateAsync(slug, new TranslationRequest(text, at, prior), ct);
            if (parse.GetValue(json))
            {
                var node = new JsonObject { ["question"] = text };
                if (result.Spec is { } spec)
                {
                    node["spec"] = SpecJson.ToNode(spec);
                }
                else
                {
                    node["clarification"] = ClarificationNode(result.Clarification!);
                }

                node["translator"] = result.Translator;
                node["notes"] = new JsonArray(result.Notes.Select(n => (JsonNode?)n).ToArray());
                await cli.Out.WriteLineAsync(node.ToJsonString(Compact));
                return ExitCodes.Success;
            }

            if (result.Spec is { } found)
            {
                await cli.Out.WriteLineAsync(SpecJson.Write(found, indented: true));
            }
            else
            {
                var clarification = result.Clarification!;
                await cli.Out.WriteLineAsync($"clarification needed: {clarification.Reason}");
                for (var i = 0; i < clarification.Options.Count; i++)
                {
                    await cli.Out.WriteLineAsync($"  {i + 1}. {clarification.Options[i].Label}: \"{clarification.Options[i].Question}\"");
                }
            }

            foreach (var note in result.Notes)
            {
                await cli.Error.WriteLineAsync($"note: {note}");
            }

            await cli.Error.WriteLineAsync($"translator: {result.Translator}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static JsonObject ClarificationNode(Clarification clarification) => new()
    {
        ["reason"] = clarification.Reason,
        ["options"] = new JsonArray(clarification.Options
            .Select(o => (JsonNode?)new JsonObject { ["label"] = o.Label, ["question"] = o.Question }).ToArray()),
    };

    private static async Task<AnalyticsSpec?> ReadPreviousAsync(string? path, CancellationToken ct)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new UserErrorException($"previous spec file '{path}' not found");
        }

        var parsed = SpecJson.Parse(await File.ReadAllTextAsync(path, ct));
        if (!parsed.IsValid)
        {
            throw new UserErrorException($"previous spec '{path}' is not a valid spec", parsed.Errors.Select(e => e.ToString()).ToList());
        }

        return parsed.Spec;
    }
}
