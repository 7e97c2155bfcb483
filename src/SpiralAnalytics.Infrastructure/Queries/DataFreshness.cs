using System.Globalization;
using System.Text.Json.Serialization;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>
/// How fresh an answer's data is (the result object's <c>freshness</c>): the data version and end of the newest analytics
/// refresh (what the views hold), and the tenant's last data load — CSV bundle import or demo seed — and last Jira sync.
/// Times are ISO 8601 UTC like <c>as_of</c>; a time that never happened is null (written, not omitted).
/// <see cref="PendingRefresh"/>: an import or sync finished after the newest refresh (compared at full precision, not the
/// seconds written), so the views do not hold it yet.
/// </summary>
public sealed record DataFreshness(
    long DataVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RefreshedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ImportedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? JiraSyncedAt,
    bool PendingRefresh = false)
{
    /// <summary>
    /// The five columns of the freshness, for a SELECT list: analytics_refreshes is global (one refresh covers every tenant);
    /// data_imports and jira_sync_state are the tenant's own rows (RLS), so it is read inside a tenant session.
    /// </summary>
    public const string SelectList =
        """
        (SELECT coalesce(max(id), 0) FROM analytics_refreshes),
        (SELECT finished_at FROM analytics_refreshes ORDER BY id DESC LIMIT 1),
        (SELECT max(finished_at) FROM data_imports),
        (SELECT max(last_finished_at) FROM jira_sync_state),
        coalesce(greatest((SELECT max(finished_at) FROM data_imports), (SELECT max(last_finished_at) FROM jira_sync_state))
                 > (SELECT finished_at FROM analytics_refreshes ORDER BY id DESC LIMIT 1), false)
        """;

    /// <summary>Reads it inside a tenant session.</summary>
    public static async Task<DataFreshness> ReadAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT " + SelectList);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return Read(reader, 0);
    }

    /// <summary>The freshness from the <see cref="SelectList"/> columns of a row, starting at <paramref name="offset"/>.</summary>
    public static DataFreshness Read(System.Data.Common.DbDataReader reader, int offset)
    {
        string? At(int i) => reader.IsDBNull(offset + i) ? null : Iso(reader.GetFieldValue<DateTimeOffset>(offset + i));
        return new DataFreshness(reader.GetInt64(offset), At(1), At(2), At(3), reader.GetBoolean(offset + 4));
    }

    /// <summary>Records a committed-with-the-data load of the tenant (<c>csv</c> or <c>demo</c>) in the caller's session.</summary>
    public static async Task RecordImportAsync(TenantSession session, string source, long rows, CancellationToken ct)
    {
        await using var command = session.Command("INSERT INTO data_imports (tenant_id, source, row_count) VALUES (current_tenant_id(), $1, $2)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = source });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (int)Math.Min(rows, int.MaxValue) });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The one-line reading for people: "data as of 2026-03-01 14:05 UTC (refresh 12), imported 13:40, synced from Jira 13:58".</summary>
    public string Describe()
    {
        var parts = new List<string> { RefreshedAt is null ? "data not refreshed yet" : $"data as of {Short(RefreshedAt)} (refresh {DataVersion.ToString(CultureInfo.InvariantCulture)})" };
        if (ImportedAt is not null)
        {
            parts.Add($"imported {Short(ImportedAt)}");
        }

        if (JiraSyncedAt is not null)
        {
            parts.Add($"synced from Jira {Short(JiraSyncedAt)}");
        }

        if (PendingRefresh)
        {
            parts.Add("newer data is loaded but not refreshed yet");
        }

        return string.Join(", ", parts);
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>"2026-03-01T14:05:06Z" → "2026-03-01 14:05 UTC".</summary>
    private static string Short(string iso) => iso.Length >= 16 ? $"{iso[..10]} {iso[11..16]} UTC" : iso;
}
