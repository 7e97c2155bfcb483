using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Cli.Commands;

/// <summary><c>spiral catalog import | export | validate | list | show | versions | deprecate | search</c> (CLI.md).</summary>
internal static class CatalogCommands
{
    public static Command Create(CliContext cli) => new("catalog", "The metrics catalog: YAML definitions, versions, deprecation, semantic search")
    {
        Import(cli), Export(cli), Validate(cli), List(cli), Show(cli), Versions(cli), Deprecate(cli), Search(cli),
    };

    private static Command Validate(CliContext cli)
    {
        var path = new Argument<string>("PATH") { Description = "a catalog folder (one NAME.yaml per metric)", DefaultValueFactory = _ => "catalog" };
        var command = new Command("validate", "Check a catalog folder; prints every problem (file:line) and exits 1 if there is any") { path };
        command.SetAction(async (parse, _) =>
        {
            var folder = parse.GetValue(path)!;
            var result = CatalogLoader.Load(folder);
            if (!result.IsValid)
            {
                throw new UserErrorException($"{folder}: {result.Problems.Count} problem(s)", result.Problems.Select(p => p.ToString()).ToList());
            }

            var catalog = result.Catalog;
            await cli.Out.WriteLineAsync(
                $"{folder}: {catalog.Count} metrics ({catalog.Active.Count} active), no problems");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Import(CliContext cli)
    {
        var path = new Argument<string>("PATH") { Description = "a catalog folder (one NAME.yaml per metric)" };
        var command = new Command("import", "Import YAML definitions: unchanged ones do nothing, changed ones need a higher version") { path };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var folder = parse.GetValue(path)!;
            var report = await cli.Service<CatalogImporter>(host).ImportAsync(folder, ct);
            var rows = report.Metrics
                .Where(m => m.Action != MetricImportAction.Unchanged || m.Lifecycle is not null)
                .Select(m => (IReadOnlyList<string>)
                [
                    "  " + m.Action switch
                    {
                        MetricImportAction.Added => "added",
                        MetricImportAction.NewVersion => "new version",
                        _ => "lifecycle",
                    },
                    m.Name,
                    m.PreviousVersion is null ? m.Version : $"{m.Version} (was {m.PreviousVersion})",
                    m.Lifecycle ?? "",
                ])
                .ToList();
            if (rows.Count > 0)
            {
                await TextTable.WriteAsync(cli.Out, ["  change", "metric", "version", "lifecycle"], rows);
            }

            await cli.Out.WriteLineAsync(
                $"imported {folder}: {report.Metrics.Count} metrics: {report.Count(MetricImportAction.Added)} added, " +
                $"{report.Count(MetricImportAction.NewVersion)} new version(s), {report.Count(MetricImportAction.Unchanged)} unchanged" +
                (report.Reembedded > 0 ? $"; {report.Reembedded} embedding(s) recomputed with {report.EmbedderId}" : "") +
                (report.ChangedAnything ? "" : " (nothing changed)"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Export(CliContext cli)
    {
        var directory = new Argument<string>("DIR") { Description = "the folder to write NAME.yaml files into (created if missing)" };
        var command = new Command("export", "Write the current version of every metric as YAML; importing it back creates no version") { directory };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var folder = parse.GetValue(directory)!;
            var files = await cli.Service<CatalogExporter>(host).ExportAsync(folder, ct);
            await cli.Out.WriteLineAsync($"exported {files.Count} metrics to {folder}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliContext cli)
    {
        var category = new Option<string?>("--category") { Description = "only this category: " + string.Join(", ", MetricCategories.All) };
        var json = JsonOption();
        var command = new Command("list", "List the catalog's metrics") { category, json };
        command.SetAction(async (parse, ct) =>
        {
            var only = parse.GetValue(category);
            if (only is not null && !MetricCategories.All.Contains(only))
            {
                throw new UserErrorException($"unknown category '{only}'{CatalogText.DidYouMean(only, MetricCategories.All)} (categories: {string.Join(", ", MetricCategories.All)})");
            }

            using var host = cli.BuildHost();
            var catalog = await cli.Service<CatalogReader>(host).LoadAsync(ct);
            var metrics = only is null ? catalog.All : catalog.InCategory(only);
            if (parse.GetValue(json))
            {
                var summaries = metrics.Select(m => new MetricSummary(m.Name, m.DisplayName, m.Category, m.Type, m.Unit, m.Version, m.Status, m.ReplacedBy)).ToList();
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(summaries, CatalogCliJson.Default.ListMetricSummary));
                return ExitCodes.Success;
            }

            await TextTable.WriteAsync(cli.Out, ["NAME", "CATEGORY", "TYPE", "UNIT", "VERSION", "STATUS", "DISPLAY NAME"],
                metrics.Select(m => (IReadOnlyList<string>)
                [
                    m.Name, m.Category, m.Type, m.Unit, m.Version, m.IsActive ? m.Status : $"deprecated -> {m.ReplacedBy}", m.DisplayName,
                ]));
            await cli.Out.WriteLineAsync($"{metrics.Count} metric(s)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the metric's name" };
        var version = new Option<string?>("--version") { Description = "a stored version (default: the current one)" };
        var json = JsonOption();
        var command = new Command("show", "Show a metric's definition (YAML, or JSON with --json)") { name, version, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = await cli.Service<CatalogReader>(host).GetAsync(parse.GetValue(name)!, parse.GetValue(version), ct);
            await WarnIfDeprecatedAsync(cli, metric);
            await cli.Out.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(metric, CatalogCliJson.Default.MetricDefinition) + Environment.NewLine
                : CatalogYamlWriter.Write(metric));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Versions(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the metric's name" };
        var command = new Command("versions", "List a metric's stored versions (all stay readable)") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var reader = cli.Service<CatalogReader>(host);
            var metric = parse.GetValue(name)!;
            var versions = await reader.VersionsAsync(metric, ct);
            await TextTable.WriteAsync(cli.Out, ["VERSION", "CREATED", "CHECKSUM", "EMBEDDER"],
                versions.Select(v => (IReadOnlyList<string>)
                [
                    v.IsCurrent ? v.Version + " *" : v.Version,
                    v.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    v.Checksum[..12],
                    v.EmbedderId ?? "-",
                ]));
            await cli.Out.WriteLineAsync($"{versions.Count} version(s) of {metric}; * = current");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Deprecate(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the metric to deprecate" };
        var replacedBy = new Option<string>("--replaced-by") { Description = "the active metric to use instead", Required = true };
        var reason = new Option<string?>("--reason") { Description = "why (shown with every warning)" };
        var command = new Command("deprecate", "Deprecate a metric: it stays readable and queryable (with a warning) but is no longer offered") { name, replacedBy, reason };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = await cli.Service<CatalogDeprecator>(host)
                .DeprecateAsync(parse.GetValue(name)!, parse.GetValue(replacedBy)!, parse.GetValue(reason), ct);
            await cli.Out.WriteLineAsync(
                $"deprecated '{metric.Name}' (version {metric.Version}): replaced by '{metric.ReplacedBy}'" +
                (metric.DeprecationReason is null ? "" : $"; reason: {metric.DeprecationReason}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Search(CliContext cli)
    {
        var text = new Argument<string>("TEXT") { Description = "what you are looking for, in your words" };
        var top = new Option<int>("--top") { Description = $"how many results (1 to {CatalogSearch.MaxTop})", DefaultValueFactory = _ => 5 };
        top.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > CatalogSearch.MaxTop)
            {
                result.AddError($"--top must be between 1 and {CatalogSearch.MaxTop}");
            }
        });
        var json = JsonOption();
        var command = new Command("search", "Semantic search over the active metrics (pgvector)") { text, top, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var result = await cli.Service<CatalogSearch>(host).SearchAsync(parse.GetValue(text)!, parse.GetValue(top), ct);
            foreach (var warning in result.Warnings)
            {
                await cli.Error.WriteLineAsync($"warning: {warning}");
            }

            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(result, CatalogCliJson.Default.CatalogSearchResult));
                return ExitCodes.Success;
            }

            await TextTable.WriteAsync(cli.Out, ["RANK", "SCORE", "METRIC", "DISPLAY NAME", "MATCHED"],
                result.Hits.Select(h => (IReadOnlyList<string>)
                [
                    h.Rank.ToString(CultureInfo.InvariantCulture),
                    h.Score.ToString("0.000", CultureInfo.InvariantCulture),
                    h.Name,
                    h.DisplayName,
                    h.Match is null ? "" : $"'{h.Match}'",
                ]));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "machine-readable JSON on stdout" };

    private static async Task WarnIfDeprecatedAsync(CliContext cli, MetricDefinition metric)
    {
        if (!metric.IsActive)
        {
            await cli.Error.WriteLineAsync(
                $"warning: metric '{metric.Name}' is deprecated; use '{metric.ReplacedBy}' instead" +
                (metric.DeprecationReason is null ? "" : $" ({metric.DeprecationReason})"));
        }
    }
}

internal sealed record MetricSummary(string Name, string DisplayName, string Category, string Type, string Unit, string Version, string Status, string? ReplacedBy);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MetricDefinition))]
[JsonSerializable(typeof(List<MetricSummary>))]
[JsonSerializable(typeof(CatalogSearchResult))]
internal sealed partial class CatalogCliJson : JsonSerializerContext;
