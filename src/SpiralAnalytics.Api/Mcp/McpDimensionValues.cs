using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>A page of a dimension's values: those matching the search, at most the limit, and how many matched in all.</summary>
public sealed record DimensionPage(string Dimension, IReadOnlyList<DimensionMember> Values, int Total, bool Filterable);

/// <summary>
/// The tenant's values of a dimension, read inside its session (RLS: only its own rows): the spec dimensions through
/// <see cref="TenantDimensionReader"/> (the members the validator checks filters against), plus issue labels.
/// </summary>
public sealed class McpDimensionValues(TenantDirectory tenants)
{
    public const string Label = "label";

    /// <summary>What the tool accepts: the spec's member dimensions and <c>label</c>.</summary>
    public static IReadOnlyList<string> Accepted { get; } = [.. TenantDimensionReader.Readable, Label];

    public async Task<DimensionPage> ListAsync(string tenant, string dimension, string? search, int limit, CancellationToken ct)
    {
        var name = dimension.Trim().ToLowerInvariant();
        if (!Accepted.Contains(name))
        {
            throw new UserErrorException(
                $"dimension '{dimension}' has no values to list{Core.Catalog.CatalogText.DidYouMean(name, Accepted)} (dimensions: {string.Join(", ", Accepted)})");
        }

        IReadOnlyList<DimensionMember> members;
        await using (var session = await tenants.BeginSessionAsync(tenant, ct))
        {
            members = name == Label
                ? await LabelsAsync(session, ct)
                : (await TenantDimensionReader.ReadAsync(session, [name], ct)).Members(name);
            await session.CommitAsync(ct);
        }

        var matching = string.IsNullOrWhiteSpace(search)
            ? members
            : members.Where(m => Matches(m.Value, search) || m.Aliases.Any(a => Matches(a, search))).ToList();
        return new DimensionPage(name, matching.Take(limit).ToList(), matching.Count, Dimensions.All.Contains(name));
    }

    private static bool Matches(string value, string search) => value.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase);

    private static async Task<IReadOnlyList<DimensionMember>> LabelsAsync(Infrastructure.Data.TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT DISTINCT label FROM issues, unnest(labels) AS label ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<DimensionMember>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new DimensionMember(reader.GetString(0), []));
        }

        return list;
    }
}
