using System.Text;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>One closed sprint of a team with its z-scores (null: too little history or low sample).</summary>
/// <param name="Recency">1 = the team's latest sprint closed on or before as_of, 2 = the one before, ...</param>
public sealed record SprintZScores(
    string Team, string SprintKey, string Sprint, DateTimeOffset ClosedAt, bool LowSample, int Recency, IReadOnlyDictionary<string, double?> Z);

/// <summary>
/// Reads each team's latest closed sprints and their z-scores against the team's previous 6 closed sprints, computed from the
/// catalog definition of each metric (<see cref="ZScoreSql"/>: the tenant's catalog, so its own version of a metric is scored
/// as itself). The sprints are chosen exactly as the query builder's <c>last_sprints</c> window chooses them (closed, closed on
/// or before as_of, newest first, ties by key). Metrics without a per-sprint z-score are left out; every value is a parameter.
/// </summary>
public static class SprintZScoreReader
{
    public static async Task<IReadOnlyList<SprintZScores>> ReadAsync(TenantSession session, MetricCatalog catalog, DateTimeOffset asOf,
        IEnumerable<string> metrics, int lastSprints, IReadOnlyList<string>? teams, CancellationToken ct)
    {
        var zMetrics = metrics.Distinct(StringComparer.Ordinal).Select(catalog.Find).OfType<MetricDefinition>().Where(ZScoreSql.CanScore).ToList();
        var p = new SqlParameters();
        var at = p.Add(asOf, "as_of");
        var take = p.Add((long)lastSprints, "take");
        var teamFilter = teams is null ? "" : $" AND lower(team_name) = ANY({p.Add(teams.Select(t => t.ToLowerInvariant()).ToArray(), "teams")})";
        var recent =
            $"""
            recent AS (
                SELECT *
                FROM (
                    SELECT s.team_name, s.sprint_key, s.sprint_name, s.sprint_close_at, s.low_sample,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats s
                    WHERE {SprintWindowSql.ClosedBy("", at)}{teamFilter}
                ) x
                WHERE recency <= {take}
            )
            """;
        var ctes = new List<string> { recent };
        var sql = new StringBuilder();
        if (zMetrics.Count > 0)
        {
            ctes.AddRange(ZScoreSql.Ctes("scores", zMetrics, "SELECT sprint_key FROM recent", null, catalog, p));
        }

        sql.Append("WITH ").Append(string.Join(",\n", ctes)).Append('\n');
        sql.Append("SELECT r.team_name, r.sprint_key, r.sprint_name, r.sprint_close_at, r.low_sample, r.recency");
        foreach (var metric in zMetrics)
        {
            sql.Append(", z.").Append(metric.Name).Append("__z::float8");
        }

        sql.Append("\nFROM recent r");
        if (zMetrics.Count > 0)
        {
            sql.Append("\nLEFT JOIN scores z ON z.sprint_key = r.sprint_key");
        }

        sql.Append("\nORDER BY r.team_name, r.recency");

        // JIT off for the transaction, as for every built query (QueryExecutor): compiling the plan costs more than running it.
        await using (var jit = session.Command("SELECT set_config('jit', 'off', true)"))
        {
            await jit.ExecuteNonQueryAsync(ct);
        }

        await using var command = session.Command(sql.ToString());
        foreach (var value in p.Values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var rows = new List<SprintZScores>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var z = new Dictionary<string, double?>(StringComparer.Ordinal);
            for (var i = 0; i < zMetrics.Count; i++)
            {
                z[zMetrics[i].Name] = reader.IsDBNull(6 + i) ? null : reader.GetDouble(6 + i);
            }

            rows.Add(new SprintZScores(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4), (int)reader.GetInt64(5), z));
        }

        return rows;
    }
}
