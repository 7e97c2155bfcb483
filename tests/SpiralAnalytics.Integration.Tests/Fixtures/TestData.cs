using Npgsql;
using SpiralAnalytics.Cli;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>Fresh tenants, bundle copies to break, table fingerprints and in-process CLI runs.</summary>
public static class TestData
{
    public static readonly IReadOnlyList<string> TenantTables =
        ["teams", "sprints", "issues", "sprint_issues", "issue_transitions", "issue_blocks", "comments", "analytics_jobs", "analytics_cache", "analytics_feedback", "verified_questions"];

    public static string NewSlug(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)];

    public static async Task<Guid> CreateTenantAsync(TestDatabase db, string slug)
    {
        var (tenant, _) = await new TenantDirectory(db.DataSources).CreateAsync(slug, null, TestContext.Current.CancellationToken);
        return tenant.Id;
    }

    /// <summary>A copy of a dataset bundle in a temp folder, with <paramref name="edit"/> applied to one file's lines.</summary>
    public static string CopyBundle(string source, string? file = null, Func<List<string>, List<string>>? edit = null)
    {
        var target = Directory.CreateTempSubdirectory("spiral-bundle-").FullName;
        foreach (var path in Directory.GetFiles(source, "*.csv"))
        {
            var lines = File.ReadAllLines(path).ToList();
            if (file is not null && Path.GetFileName(path) == file && edit is not null)
            {
                lines = edit(lines);
            }

            File.WriteAllLines(Path.Combine(target, Path.GetFileName(path)), lines);
        }

        return target;
    }

    /// <summary>
    /// A fingerprint of everything a tenant holds, read as owner: per table the row count, a hash of the rows and
    /// the newest row version (xmin), so even a rewrite with identical values shows.
    /// </summary>
    public static async Task<string> FingerprintAsync(TestDatabase db, Guid tenantId)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var parts = new List<string>();
        foreach (var table in TenantTables)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') || ':' || coalesce(max(t.xmin::text::bigint), 0) FROM {table} t WHERE tenant_id = $1",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
            parts.Add($"{table}={await command.ExecuteScalarAsync(TestContext.Current.CancellationToken)}");
        }

        return string.Join(' ', parts);
    }

    /// <summary>Rows of <paramref name="relation"/> that belong to <paramref name="tenant"/>, counted as owner (no RLS).</summary>
    public static async Task<long> OwnerCountAsync(TestDatabase db, string relation, Guid tenant)
    {
        await using var connection = new NpgsqlConnection(db.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {relation} WHERE tenant_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public sealed record CliRun(int ExitCode, string Out, string Error);

    /// <summary>Runs the spiral CLI in-process against the test database.</summary>
    public static async Task<CliRun> CliAsync(TestDatabase? db, params string[] args) =>
        await CliAsync(db?.Configuration, args);

    public static async Task<CliRun> CliAsync(IReadOnlyDictionary<string, string?>? configuration, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpiralCli.RunAsync(args, stdout, stderr, configuration, TestContext.Current.CancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
