using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Core.Demo;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Demo;

/// <summary>What one <c>demo seed</c> did: the tenant, the options, each table's upsert, stale rows deleted, and the time spent.</summary>
public sealed record DemoSeedReport(
    Tenant Tenant,
    bool TenantCreated,
    DemoOptions Options,
    IReadOnlyList<TableImport> Tables,
    IReadOnlyList<TablePrune> Pruned,
    TimeSpan Generation,
    TimeSpan Load)
{
    public bool ChangedAnything => Tables.Any(t => t.Inserted + t.Updated > 0) || Pruned.Any(p => p.Deleted > 0);

    public TimeSpan Duration => Generation + Load;

    public int RowsOf(string table) => Tables.FirstOrDefault(t => t.Table == table)?.Rows ?? 0;
}

/// <summary>
/// Fills a tenant with generated demo data (<see cref="DemoGenerator"/>): creates the tenant when missing, generates,
/// and loads everything through the bundle importer's COPY + upsert in one tenant session (all or nothing). The upsert is
/// keyed, so seeding again with the same options changes nothing; rows of the demo's own sprints and issues that the new
/// data no longer has (after seeding on another day) are deleted. Refreshing the analytics views is left to the caller.
/// </summary>
public sealed class DemoSeeder(TenantDirectory tenants, ILogger<DemoSeeder> logger)
{
    public async Task<DemoSeedReport> SeedAsync(string tenantSlug, DemoOptions options, IProgress<string>? progress, CancellationToken ct)
    {
        TenantDirectory.EnsureValidSlug(tenantSlug);
        options.Validate();
        var (tenant, created) = await tenants.CreateAsync(tenantSlug, null, ct);
        progress?.Report(created ? $"created tenant '{tenant.Slug}'" : $"tenant '{tenant.Slug}' exists; seeding it again (rows are matched by key)");

        var clock = Stopwatch.StartNew();
        progress?.Report($"generating {options.Sprints} sprints for {options.Teams} teams (seed {options.Seed}, active sprint on {options.Today:yyyy-MM-dd}) ...");
        var bundle = DemoGenerator.Generate(options);
        var generation = clock.Elapsed;
        progress?.Report(
            $"generated {bundle.Teams.Count} teams, {bundle.Sprints.Count} sprints, {bundle.Issues.Count} issues, {bundle.Memberships.Count} memberships, " +
            $"{bundle.Transitions.Count} transitions, {bundle.Blocks.Count} blocks, {bundle.Comments.Count} comments in {generation.TotalSeconds:0.00} s");

        clock.Restart();
        await using var session = await tenants.BeginSessionAsync(tenantSlug, ct);
        var tables = await BundleImporter.UpsertAsync(session, bundle, new StepProgress(progress), ct);
        // Only a tenant that already held demo issues can hold stale rows of them.
        IReadOnlyList<TablePrune> pruned = [];
        if (tables.Single(t => t.Table == "issues").Inserted < bundle.Issues.Count)
        {
            var pruning = Stopwatch.StartNew();
            pruned = await BundleImporter.PruneAsync(session, ct);
            progress?.Report($"  pruned   stale rows of the demo's sprints and issues in {pruning.Elapsed.TotalSeconds:0.00} s");
        }

        foreach (var prune in pruned.Where(p => p.Deleted > 0))
        {
            progress?.Report($"  deleted {prune.Deleted} stale {prune.Table} rows");
        }

        await Queries.DataFreshness.RecordImportAsync(session, "demo", tables.Sum(t => (long)t.Inserted + t.Updated), ct);
        await session.CommitAsync(ct);
        var load = clock.Elapsed;
        Log.DemoSeeded(logger, tenantSlug, options.Sprints, bundle.Issues.Count, options.Seed, (long)generation.TotalMilliseconds, (long)load.TotalMilliseconds);
        return new DemoSeedReport(tenant, created, options, tables, pruned, generation, load);
    }

    /// <summary>Reports the importer's steps as lines; synchronous, so they arrive in order.</summary>
    private sealed class StepProgress(IProgress<string>? lines) : IProgress<LoadStep>
    {
        public void Report(LoadStep value) => lines?.Report(value.Phase switch
        {
            LoadPhase.Copied => $"  copied   {value.Table,-20} {value.Rows,9} rows in {value.Duration.TotalSeconds,6:0.00} s",
            LoadPhase.Upserting => $"  upsert   {value.Table,-20} {value.Rows,9} of {value.Total} rows after {value.Duration.TotalSeconds,6:0.00} s ...",
            _ => $"  upserted {value.Table,-20} {value.Rows,9} rows in {value.Duration.TotalSeconds,6:0.00} s: " +
                 $"{value.Upserted!.Inserted} new, {value.Upserted.Updated} updated, {value.Upserted.Unchanged} unchanged",
        });
    }
}
