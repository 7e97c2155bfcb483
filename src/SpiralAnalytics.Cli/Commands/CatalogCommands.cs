using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral catalog import | export | validate | list | show | versions | deprecate | search</c> (CLI.md) over the shipped
/// catalog (owner connection: the operator's path), and with <c>--tenant SLUG</c> over that tenant's own layer (runtime
/// role, RLS): <c>import | export | validate | list | show | versions | search</c> plus <c>preview | activate | archive | delete</c>.
/// </summary>
internal static class CatalogCommands
{
    private const string CliUser = "cli";

    public static Command Create(CliContext cli) => new("catalog", "The metrics catalog: YAML definitions, versions, deprecation, semantic search; --tenant for a tenant's own layer")
    {
        Import(cli), Export(cli), Validate(cli), List(cli), Show(cli), Versions(cli), Deprecate(cli), Search(cli),
        Preview(cli), Activate(cli), Archive(cli), Delete(cli),
    };

    private static Option<string?> TenantOption() => new("--tenant") { Description = "a tenant's own catalog layer instead of the shipped catalog" };

    private static Option<string> RequiredTenant() => new("--tenant") { Description = "the tenant whose own metric it is", Required = true };

    private static async Task<Guid> TenantIdAsync(CliContext cli, Microsoft.Extensions.Hosting.IHost host, string slug, CancellationToken ct) =>
        await cli.Service<Infrastructure.Tenants.TenantDirectory>(host).ResolveAsync(slug, ct);

    private static List<(string File, string Text)> ReadFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new UserErrorException($"{folder}: no such folder");
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path.Combine(folder, Path.GetFileName(f)), File.ReadAllText(f)))
            .ToList();
        return files.Count == 0 ? throw new UserErrorException($"{folder}: no *.yaml files (one NAME.yaml per metric)") : files;
    }

    private static Command Preview(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the tenant metric (a draft too)" };
        var tenant = RequiredTenant();
        var asOf = new Option<string?>("--as-of") { Description = "the reference date (default: now)" };
        var json = JsonOption();
        var command = new Command("preview", "Compute a tenant metric over the last 8 sprints per team (or 8 months); stores nothing") { name, tenant, asOf, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var result = await cli.Service<TenantMetricRunner>(host).PreviewAsync(parse.GetValue(tenant)!, parse.GetValue(name)!,
                Core.Specs.AsOfText.Parse(parse.GetValue(asOf), "--as-of"), ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(result, Infrastructure.Queries.QueryJsonContext.Default.QueryResult));
            }
            else
            {
                await ResultText.WriteAsync(cli, result, " (preview: nothing stored)");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Activate(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the tenant metric" };
        var tenant = RequiredTenant();
        var command = new Command("activate", "Make a tenant's draft active: offered in chat, usable in queries") { name, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = await cli.Service<TenantCatalogStore>(host).ActivateAsync(await TenantIdAsync(cli, host, parse.GetValue(tenant)!, ct), parse.GetValue(name)!, ct);
            await cli.Out.WriteLineAsync($"'{metric.Name}' {metric.Version} is active for {parse.GetValue(tenant)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Archive(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the tenant metric" };
        var tenant = RequiredTenant();
        var replacedBy = new Option<string?>("--replaced-by") { Description = "the active metric to use instead, when there is one" };
        var reason = new Option<string?>("--reason") { Description = "why" };
        var command = new Command("archive", "Archive a tenant metric (no longer offered), naming its replacement when there is one") { name, tenant, replacedBy, reason };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = await cli.Service<TenantCatalogStore>(host).ArchiveAsync(await TenantIdAsync(cli, host, parse.GetValue(tenant)!, ct),
                parse.GetValue(name)!, parse.GetValue(replacedBy), parse.GetValue(reason), ct);
            await cli.Out.WriteLineAsync($"'{metric.Name}' is archived" + (metric.ReplacedBy is null ? "" : $"; replaced by '{metric.ReplacedBy}'"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CliContext cli)
    {
        var name = new Argument<string>("NAME") { Description = "the tenant's draft" };
        var tenant = RequiredTenant();
        var command = new Command("delete", "Delete a tenant's draft (active or archived metrics are archived, never deleted)") { name, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            await cli.Service<TenantCatalogStore>(host).DeleteDraftAsync(await TenantIdAsync(cli, host, parse.GetValue(tenant)!, ct), parse.GetValue(name)!, ct);
            await cli.Out.WriteLineAsync($"deleted the draft '{parse.GetValue(name)}'");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Validate(CliContext cli)
    {
        var path = new Argument<string>("PATH") { Description = "a catalog folder (one NAME.yaml per metric)", DefaultValueFactory = _ => "catalog" };
        var tenant = TenantOption();
        var command = new Command("validate",
            "Check a catalog folder; prints every problem (file:line) and exits 1 if there is any. --tenant: as that tenant's layer (with the database: SQL metrics are checked by PostgreSQL)")
        {
            path, tenant,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(path)!;
            if (parse.GetValue(tenant) is { } slug)
            {
                using var host = cli.BuildHost();
                var tenantId = await TenantIdAsync(cli, host, slug, ct);
                var store = cli.Service<TenantCatalogStore>(host);
                var problems = new List<CatalogProblem>();
                var files = ReadFolder(folder);
                foreach (var (file, text) in files)
                {
                    problems.AddRange((await store.ValidateAsync(tenantId, file, text, ct)).Problems);
                }

                if (problems.Count > 0)
                {
                    throw new UserErrorException($"{folder}: {problems.Count} problem(s)", problems.Select(p => p.ToString()).ToList());
                }

                await cli.Out.WriteLineAsync($"{folder}: {files.Count} metric(s) for tenant {slug}, no problems");
                return ExitCodes.Success;
            }

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
        var tenant = TenantOption();
        var command = new Command("import", "Import YAML definitions: unchanged ones do nothing, changed ones need a higher version. --tenant: into that tenant's layer")
        {
            path, tenant,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var folder = parse.GetValue(path)!;
            if (parse.GetValue(tenant) is { } slug)
            {
                var edits = await cli.Service<TenantCatalogStore>(host).ImportAsync(await TenantIdAsync(cli, host, slug, ct), ReadFolder(folder), CliUser, ct);
                await TextTable.WriteAsync(cli.Out, ["  change", "metric", "version", "status"],
                    edits.Select(e => (IReadOnlyList<string>)["  " + e.Action, e.Metric.Name, e.Version, e.Metric.Status]));
                await cli.Out.WriteLineAsync($"imported {folder} into {slug}: {edits.Count} metric(s), {edits.Count(e => e.Action != "unchanged")} changed");
                return ExitCodes.Success;
            }

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
        var tenant = TenantOption();
        var command = new Command("export", "Write the current version of every metric as YAML; importing it back creates no version. --tenant: that tenant's layer")
        {
            directory, tenant,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var folder = parse.GetValue(directory)!;
            if (parse.GetValue(tenant) is { } slug)
            {
                var metrics = await cli.Service<TenantCatalogStore>(host).ListAsync(await TenantIdAsync(cli, host, slug, ct), ct);
                Directory.CreateDirectory(folder);
                foreach (var metric in metrics)
                {
                    await File.WriteAllTextAsync(Path.Combine(folder, metric.Definition.Name + ".yaml"), CatalogYamlWriter.Write(metric.Definition), ct);
                }

                await cli.Out.WriteLineAsync($"exported {metrics.Count} metric(s) of {slug} to {folder}");
                return ExitCodes.Success;
            }

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
        var tenant = TenantOption();
        var command = new Command("list", "List the catalog's metrics; --tenant: the catalog that tenant sees (its own metrics, drafts included, marked)") { category, json, tenant };
        command.SetAction(async (parse, ct) =>
        {
            var only = parse.GetValue(category);
            if (only is not null && !MetricCategories.All.Contains(only))
            {
                throw new UserErrorException($"unknown category '{only}'{CatalogText.DidYouMean(only, MetricCategories.All)} (categories: {string.Join(", ", MetricCategories.All)})");
            }

            using var host = cli.BuildHost();
            var catalog = await cli.Service<CatalogReader>(host).LoadAsync(ct);
            if (parse.GetValue(tenant) is { } slug)
            {
                var own = await cli.Service<TenantCatalogStore>(host).ListAsync(await TenantIdAsync(cli, host, slug, ct), ct);
                catalog = new MetricCatalog(catalog.All.Concat(own.Select(o => o.Definition)));
            }

            var metrics = only is null ? catalog.All : catalog.InCategory(only);
            if (parse.GetValue(json))
            {
                var summaries = metrics.Select(m => new MetricSummary(m.Name, m.DisplayName, m.Category, m.Type, m.Unit, m.Version, m.Status, m.ReplacedBy, m.Layer)).ToList();
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(summaries, CatalogCliJson.Default.ListMetricSummary));
                return ExitCodes.Success;
            }

            string Status(MetricDefinition m) => m.IsActive || m.ReplacedBy is null ? m.Status : $"{m.Status} -> {m.ReplacedBy}";
            if (parse.GetValue(tenant) is null)
            {
                await TextTable.WriteAsync(cli.Out, ["NAME", "CATEGORY", "TYPE", "UNIT", "VERSION", "STATUS", "DISPLAY NAME"],
                    metrics.Select(m => (IReadOnlyList<string>)[m.Name, m.Category, m.Type, m.Unit, m.Version, Status(m), m.DisplayName]));
            }
            else
            {
                await TextTable.WriteAsync(cli.Out, ["NAME", "CATEGORY", "TYPE", "UNIT", "VERSION", "LAYER", "STATUS", "DISPLAY NAME"],
                    metrics.Select(m => (IReadOnlyList<string>)[m.Name, m.Category, m.Type, m.Unit, m.Version, m.Layer, Status(m), m.DisplayName]));
            }

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
        var tenant = TenantOption();
        var command = new Command("show", "Show a metric's definition (YAML, or JSON with --json); --tenant: that tenant's own metric") { name, version, json, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = parse.GetValue(tenant) is { } slug
                ? await cli.Service<TenantCatalogStore>(host).GetAsync(await TenantIdAsync(cli, host, slug, ct), parse.GetValue(name)!, parse.GetValue(version), ct)
                : await cli.Service<CatalogReader>(host).GetAsync(parse.GetValue(name)!, parse.GetValue(version), ct);
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
        var tenant = TenantOption();
        var command = new Command("versions", "List a metric's stored versions (all stay readable); --tenant: that tenant's own metric") { name, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var metric = parse.GetValue(name)!;
            var versions = parse.GetValue(tenant) is { } slug
                ? await cli.Service<TenantCatalogStore>(host).VersionsAsync(await TenantIdAsync(cli, host, slug, ct), metric, ct)
                : await cli.Service<CatalogReader>(host).VersionsAsync(metric, ct);
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
        var tenant = TenantOption();
        var command = new Command("search", "Semantic search over the active metrics (pgvector); --tenant: the catalog that tenant sees") { text, top, json, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var tenantId = parse.GetValue(tenant) is { } slug ? await TenantIdAsync(cli, host, slug, ct) : (Guid?)null;
            var result = await cli.Service<CatalogSearch>(host).SearchAsync(parse.GetValue(text)!, parse.GetValue(top), tenantId, ct);
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

internal sealed record MetricSummary(string Name, string DisplayName, string Category, string Type, string Unit, string Version, string Status, string? ReplacedBy,
    string Layer);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MetricDefinition))]
[JsonSerializable(typeof(List<MetricSummary>))]
[JsonSerializable(typeof(CatalogSearchResult))]
internal sealed partial class CatalogCliJson : JsonSerializerContext;
