using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Queries;

/// <summary>The tenant's members of the named dimensions, read from its base tables inside its session (RLS applies).</summary>
public static class TenantDimensionReader
{
    /// <summary>The dimensions that have members in the data (calendar dimensions have none).</summary>
    public static IReadOnlyList<string> Readable { get; } =
        [Dimensions.Team, Dimensions.Sprint, Dimensions.Assignee, Dimensions.IssueType, Dimensions.Priority, Dimensions.Epic];

    public static async Task<DimensionValues> ReadAsync(TenantSession session, IEnumerable<string> dimensions, CancellationToken ct)
    {
        var members = new Dictionary<string, IReadOnlyList<DimensionMember>>(StringComparer.Ordinal);
        foreach (var dimension in dimensions.Distinct(StringComparer.Ordinal))
        {
            var sql = dimension switch
            {
                Dimensions.Team => "SELECT name, key FROM teams ORDER BY name, key",
                Dimensions.Sprint => "SELECT DISTINCT name, NULL FROM sprints ORDER BY 1",
                Dimensions.Assignee => "SELECT DISTINCT assignee, NULL FROM issues WHERE assignee IS NOT NULL ORDER BY 1",
                Dimensions.IssueType => "SELECT DISTINCT type, NULL FROM issues ORDER BY 1",
                Dimensions.Priority => "SELECT DISTINCT priority, NULL FROM issues WHERE priority IS NOT NULL ORDER BY 1",
                Dimensions.Epic => "SELECT epic_key, NULL FROM issues WHERE epic_key IS NOT NULL UNION SELECT key, NULL FROM issues WHERE lower(type) = 'epic' ORDER BY 1",
                _ => null,
            };
            if (sql is null)
            {
                continue;
            }

            var list = new List<DimensionMember>();
            await using var command = session.Command(sql);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                list.Add(new DimensionMember(reader.GetString(0), reader.IsDBNull(1) ? [] : [reader.GetString(1)]));
            }

            members[dimension] = list;
        }

        return new DimensionValues(members);
    }
}
