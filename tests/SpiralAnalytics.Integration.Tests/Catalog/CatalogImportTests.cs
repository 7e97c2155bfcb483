using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Catalog;

/// <summary>Import is idempotent, versions are immutable, export round-trips, deprecation keeps metrics readable.</summary>
public sealed class CatalogImportTests(PostgresServer server)
{
    private const int Metrics = 37;

    [Fact]
    public async Task Importing_the_catalog_twice_creates_no_version()
    {
        var db = await CatalogFixture.DatabaseAsync(server, "cat_twice");

        var first = await TestData.CliAsync(db, "catalog", "import", CatalogFixture.Folder);
        var stamp = await CatalogFixture.ScalarAsync(db, "SELECT max(xmin::text::bigint) FROM metric_versions");
        var second = await TestData.CliAsync(db, "catalog", "import", CatalogFixture.Folder);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains($"imported {CatalogFixture.Folder}: {Metrics} metrics: {Metrics} added, 0 new version(s), 0 unchanged", first.Out);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal($"imported {CatalogFixture.Folder}: {Metrics} metrics: 0 added, 0 new version(s), {Metrics} unchanged (nothing changed)\n", second.Out);
        Assert.Equal(Metrics, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions"));
        Assert.Equal(stamp, await CatalogFixture.ScalarAsync(db, "SELECT max(xmin::text::bigint) FROM metric_versions"));
        Assert.Equal(Metrics, await CatalogFixture.ScalarAsync(db,
            "SELECT count(*) FROM metric_versions WHERE embedding IS NOT NULL AND embedder_id = 'onnx-all-MiniLM-L6-v2@384' AND vector_dims(embedding) = 384"));
    }

    [Fact]
    public async Task A_changed_description_with_a_bumped_version_becomes_v2_and_v1_stays_readable()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_bump");
        var (folder, _) = CatalogFixture.CopyWith("spillover_ratio", t => t
            .Replace("description: >-\n", "description: >-\n  Revised wording.\n", StringComparison.Ordinal)
            .Replace("version: 1.1.0", "version: 1.2.0", StringComparison.Ordinal));

        var import = await TestData.CliAsync(db, "catalog", "import", folder);
        var again = await TestData.CliAsync(db, "catalog", "import", folder);
        var versions = await TestData.CliAsync(db, "catalog", "versions", "spillover_ratio");
        var v1 = await TestData.CliAsync(db, "catalog", "show", "spillover_ratio", "--version", "1.1.0");
        var current = await TestData.CliAsync(db, "catalog", "show", "spillover_ratio");

        Assert.Equal(0, import.ExitCode);
        Assert.Matches(@"new version\s+spillover_ratio\s+1\.2\.0 \(was 1\.1\.0\)", import.Out);
        Assert.Contains($"{Metrics} metrics: 0 added, 1 new version(s), {Metrics - 1} unchanged", import.Out);
        Assert.Contains("(nothing changed)", again.Out);
        Assert.Equal(Metrics + 1, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions"));
        Assert.Matches(@"(?m)^1\.1\.0 +\d{4}-", versions.Out);
        Assert.Matches(@"(?m)^1\.2\.0 \* +\d{4}-", versions.Out);
        Assert.Contains("2 version(s) of spillover_ratio", versions.Out);
        Assert.Contains("version: 1.1.0", v1.Out);
        Assert.DoesNotContain("Revised wording.", v1.Out);
        Assert.Contains("version: 1.2.0", current.Out);
        Assert.Contains("Revised wording.", current.Out);
    }

    [Fact]
    public async Task A_change_without_a_higher_version_is_refused_and_nothing_is_imported()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_refuse");
        var (same, sameFile) = CatalogFixture.CopyWith("spillover_ratio", t => t
            .Replace("description: >-\n", "description: >-\n  Revised wording.\n", StringComparison.Ordinal));
        var (lower, lowerFile) = CatalogFixture.CopyWith("velocity", t => t
            .Replace("description: >-\n", "description: >-\n  Revised wording.\n", StringComparison.Ordinal)
            .Replace("version: 1.0.0", "version: 0.9.0", StringComparison.Ordinal));
        File.Copy(Path.Combine(same, "spillover_ratio.yaml"), Path.Combine(lower, "spillover_ratio.yaml"), overwrite: true);

        var refused = await TestData.CliAsync(db, "catalog", "import", lower);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            $"spiral: {lower}: 2 changed metric(s) without a higher version; nothing imported (stored versions are immutable)\n" +
            $"  {Path.Combine(lower, "spillover_ratio.yaml")}:{CatalogFixture.LineOf(sameFile, "version:")}: 'spillover_ratio' changed but still says version 1.1.0, the stored version: bump it (patch for wording, minor for additions, major for a change of meaning)\n" +
            $"  {lowerFile}:{CatalogFixture.LineOf(lowerFile, "version:")}: 'velocity' changed but its version 0.9.0 is lower than the stored 1.0.0: a new version must be higher\n",
            refused.Error);
        Assert.Equal(Metrics, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions"));
        Assert.Equal(0, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions WHERE definition->>'description' LIKE 'Revised%'"));
    }

    [Fact]
    public async Task Export_writes_the_shipped_files_back_and_importing_them_creates_no_version()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_export");
        var target = Path.Combine(Directory.CreateTempSubdirectory("spiral-export-").FullName, "out");

        var export = await TestData.CliAsync(db, "catalog", "export", target);
        var import = await TestData.CliAsync(db, "catalog", "import", target);

        Assert.Equal(0, export.ExitCode);
        Assert.Equal($"exported {Metrics} metrics to {target}\n", export.Out);
        foreach (var shipped in Directory.GetFiles(CatalogFixture.Folder))
        {
            Assert.Equal(await File.ReadAllTextAsync(shipped, TestContext.Current.CancellationToken),
                await File.ReadAllTextAsync(Path.Combine(target, Path.GetFileName(shipped)), TestContext.Current.CancellationToken));
        }

        Assert.Equal(0, import.ExitCode);
        Assert.Contains("(nothing changed)", import.Out);
        Assert.Equal(Metrics, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions"));
    }

    [Fact]
    public async Task A_deprecated_metric_stays_readable_with_a_warning_and_leaves_search()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_deprecate");

        var deprecate = await TestData.CliAsync(db, "catalog", "deprecate", "lead_time_avg", "--replaced-by", "lead_time_p50", "--reason", "means hide the tail");
        var show = await TestData.CliAsync(db, "catalog", "show", "lead_time_avg");
        var list = await TestData.CliAsync(db, "catalog", "list", "--category", "lead_time");
        var search = await TestData.CliAsync(db, "catalog", "search", "average lead time", "--top", "50", "--json");
        var target = Directory.CreateTempSubdirectory("spiral-export-").FullName;
        await TestData.CliAsync(db, "catalog", "export", target);
        var reimport = await TestData.CliAsync(db, "catalog", "import", target);

        Assert.Equal(0, deprecate.ExitCode);
        Assert.Equal("deprecated 'lead_time_avg' (version 1.0.0): replaced by 'lead_time_p50'; reason: means hide the tail\n", deprecate.Out);
        Assert.Equal(0, show.ExitCode);
        Assert.Equal("warning: metric 'lead_time_avg' is deprecated; use 'lead_time_p50' instead (means hide the tail)\n", show.Error);
        Assert.Contains("status: deprecated\nreplaced_by: lead_time_p50\ndeprecation_reason: >-\n  means hide the tail\n", show.Out);
        Assert.Matches(@"lead_time_avg\s+lead_time\s+simple\s+days\s+1\.0\.0\s+deprecated -> lead_time_p50", list.Out);
        Assert.Equal(0, search.ExitCode);
        Assert.DoesNotContain("\"lead_time_avg\"", search.Out);
        Assert.Contains("\"lead_time_p50\"", search.Out);
        Assert.Contains("(nothing changed)", reimport.Out);
        Assert.Equal(Metrics, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions"));
    }

    [Fact]
    public async Task Deprecation_needs_an_existing_active_replacement()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_deprecate_rules");
        await TestData.CliAsync(db, "catalog", "deprecate", "cycle_time_avg", "--replaced-by", "cycle_time_p50");

        var unknown = await TestData.CliAsync(db, "catalog", "deprecate", "velocty", "--replaced-by", "completed_sp");
        var missing = await TestData.CliAsync(db, "catalog", "deprecate", "velocity", "--replaced-by", "completed_spp");
        var deprecatedReplacement = await TestData.CliAsync(db, "catalog", "deprecate", "lead_time_avg", "--replaced-by", "cycle_time_avg");
        var itself = await TestData.CliAsync(db, "catalog", "deprecate", "velocity", "--replaced-by", "velocity");
        var replacementOfOthers = await TestData.CliAsync(db, "catalog", "deprecate", "cycle_time_p50", "--replaced-by", "lead_time_p50");
        var noReplacement = await TestData.CliAsync(db, "catalog", "deprecate", "velocity");

        Assert.Equal((1, "spiral: metric 'velocty' is not in the catalog; did you mean 'velocity'?\n"), (unknown.ExitCode, unknown.Error));
        Assert.Equal((1, "spiral: replacement 'completed_spp' is not in the catalog; did you mean 'completed_sp'?\n"), (missing.ExitCode, missing.Error));
        Assert.Equal((1, "spiral: replacement 'cycle_time_avg' is deprecated itself (replaced by cycle_time_p50); name an active metric\n"),
            (deprecatedReplacement.ExitCode, deprecatedReplacement.Error));
        Assert.Equal((1, "spiral: metric 'velocity' cannot replace itself\n"), (itself.ExitCode, itself.Error));
        Assert.Equal((1, "spiral: metric 'cycle_time_p50' is the replacement of cycle_time_avg; point them at another active metric first\n"),
            (replacementOfOthers.ExitCode, replacementOfOthers.Error));
        Assert.Equal(2, noReplacement.ExitCode);
    }

    [Fact]
    public async Task A_new_embedder_makes_import_recompute_every_embedding_and_search_asks_for_it()
    {
        var db = await CatalogFixture.ImportedAsync(server, "cat_embedder");
        await CatalogFixture.ExecuteAsync(db, "UPDATE metric_versions SET embedder_id = 'older-embedder@384'");

        var stale = await TestData.CliAsync(db, "catalog", "search", "spillover");
        var import = await TestData.CliAsync(db, "catalog", "import", CatalogFixture.Folder);
        var search = await TestData.CliAsync(db, "catalog", "search", "spillover");

        Assert.Equal(1, stale.ExitCode);
        Assert.Equal("spiral: the catalog's embeddings were made by older-embedder@384, not by the configured embedder onnx-all-MiniLM-L6-v2@384: " +
                     "run `spiral catalog import catalog` to recompute them\n", stale.Error);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains($"{Metrics} unchanged; {Metrics} embedding(s) recomputed with onnx-all-MiniLM-L6-v2@384", import.Out);
        Assert.Equal(0, search.ExitCode);
        Assert.Equal(0, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metric_versions WHERE embedder_id <> 'onnx-all-MiniLM-L6-v2@384'"));
    }

    [Fact]
    public async Task An_invalid_catalog_imports_nothing()
    {
        var db = await CatalogFixture.DatabaseAsync(server, "cat_invalid");
        var (folder, file) = CatalogFixture.CopyWith("wip", t => t.Replace("unit: issues", "unit: tickets", StringComparison.Ordinal));

        var run = await TestData.CliAsync(db, "catalog", "import", folder);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"spiral: {folder}: 1 problem(s) in the catalog; nothing imported\n" +
                     $"  {file}:{CatalogFixture.LineOf(file, "unit:")}: unit: unknown unit 'tickets' (allowed: points, issues, ratio, days, hours, comments, sigma)\n", run.Error);
        Assert.Equal(0, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metrics"));
    }

    [Fact]
    public async Task An_unreachable_embedding_endpoint_exits_with_3_and_imports_nothing()
    {
        var db = await CatalogFixture.DatabaseAsync(server, "cat_unreachable");
        var configuration = new Dictionary<string, string?>(db.Configuration)
        {
            ["Spiral:Embeddings:Provider"] = "openai",
            ["Spiral:Embeddings:Endpoint"] = "http://127.0.0.1:1/v1",
            ["Spiral:Embeddings:TimeoutSeconds"] = "5",
        };

        var run = await TestData.CliAsync(configuration, "catalog", "import", CatalogFixture.Folder);

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("spiral: a required HTTP service failed: ", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await CatalogFixture.ScalarAsync(db, "SELECT count(*) FROM metrics"));
    }
}
