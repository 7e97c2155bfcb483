using System.Text;
using Npgsql;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>One closed sprint of a team with the z-scores the views computed for it (null: too little history or low sample).</summary>
/// <param name="Recency">1 = the team's latest sprint closed on or before as_of, 2 = the one before, ...</param>
public sealed record SprintZScores(
    string Team, string SprintKey, string Sprint, DateTimeOffset ClosedAt, bool LowSample, int Recency, IReadOnlyDictionary<string, double?> Z);

/// <summary>
/// Reads each team's latest closed sprints and their z-score columns (<c>z_{metric}</c> of <c>sprint_stats</c>, computed by
/// the views against the team's previous 6 closed sprints). The sprints are chosen exactly as the query builder's
/// <c>last_sprints</c> window chooses them (closed, closed on or before as_of, newest first, ties by key). Column names
/// come only from <see cref="AnalyticsModel.ZScoredMetrics"/>; every value is a parameter.
/// </summary>
public static class SprintZScoreReader
{
    public static async Task<IReadOnlyList<SprintZScores>> ReadAsync(TenantSession session, DateTimeOffset asOf, IEnumerable<string> metrics,
        int lastSprints, IReadOnlyList<string>? teams, CancellationToken ct)
    {
        var zMetrics = metrics.Where(AnalyticsModel.ZScoredMetrics.Contains).Distinct(StringComparer.Ordinal).ToList();
        var sql = new StringBuilder("SELECT team_name, sprint_key, sprint_name, sprint_close_at, low_sample, recency");
        foreach (var metric in zMetrics)
        {
            sql.Append(", z_").Append(metric).Append("::float8");
        }

        sql.Append(
            """

            FROM (
                SELECT s.*, row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                FROM sprint_stats s
                WHERE sprint_state = 'closed' AND sprint_close_at <= $1
            ) x
            WHERE recency <= $2
            """);
        if (teams is not null)
        {
            sql.Append(" AND lower(team_name) = ANY($3)");
        }

        sql.Append(" ORDER BY team_name, recency");
        await using var command = session.Command(sql.ToString());
        command.Parameters.Add(new NpgsqlParameter { Value = asOf });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)lastSprints });
        if (teams is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = teams.Select(t => t.ToLowerInvariant()).ToArray() });
        }

        var rows = new List<SprintZScores>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var z = new Dictionary<string, double?>(StringComparer.Ordinal);
            for (var i = 0; i < zMetrics.Count; i++)
            {
                z[zMetrics[i]] = reader.IsDBNull(6 + i) ? null : reader.GetDouble(6 + i);
            }

            rows.Add(new SprintZScores(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4), (int)reader.GetInt64(5), z));
        }

        return rows;
    }
}
