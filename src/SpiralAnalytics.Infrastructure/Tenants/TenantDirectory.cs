using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Tenants;

public sealed record Tenant(Guid Id, string Slug, string Name);

/// <summary>Creates tenants (owner role) and resolves a slug to the tenant id that RLS filters on.</summary>
public sealed partial class TenantDirectory(SpiralDataSources data)
{
    private readonly ConcurrentDictionary<string, Guid> _ids = new(StringComparer.Ordinal);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex SlugPattern();

    public static void EnsureValidSlug(string slug)
    {
        if (!SlugPattern().IsMatch(slug))
        {
            throw new UserErrorException(
                $"tenant '{slug}' is not a valid slug: use 1-63 lowercase letters, digits and '-', starting with a letter or digit");
        }
    }

    /// <summary>Creates the tenant, or returns the existing one (idempotent); a given name updates it.</summary>
    public async Task<(Tenant Tenant, bool Created)> CreateAsync(string slug, string? name, CancellationToken ct)
    {
        EnsureValidSlug(slug);
        await using var command = data.Owner.CreateCommand(
            """
            INSERT INTO tenants AS t (slug, name) VALUES ($1, coalesce($2, $1))
            ON CONFLICT (slug) DO UPDATE SET name = coalesce($2, t.name)
            RETURNING id, slug, name, (xmax = 0)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var tenant = new Tenant(reader.GetGuid(0), reader.GetString(1), reader.GetString(2));
        _ids[slug] = tenant.Id;
        return (tenant, reader.GetBoolean(3));
    }

    /// <summary>The id of an existing tenant; <see cref="NotFoundException"/> when there is none.</summary>
    public async Task<Guid> ResolveAsync(string slug, CancellationToken ct)
    {
        if (_ids.TryGetValue(slug, out var cached))
        {
            return cached;
        }

        EnsureValidSlug(slug);
        await using var command = data.Runtime.CreateCommand("SELECT tenant_id_for_slug($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        var id = await command.ExecuteScalarAsync(ct);
        if (id is not Guid tenantId)
        {
            throw new NotFoundException($"tenant '{slug}' does not exist (create it with: spiral tenant create {slug})");
        }

        _ids[slug] = tenantId;
        return tenantId;
    }

    /// <summary>
    /// The slug of an existing tenant (owner role: the runtime role cannot list tenants), for a job whose arguments carry
    /// only the tenant's id; <see cref="NotFoundException"/> when there is none.
    /// </summary>
    public async Task<string> SlugAsync(Guid tenantId, CancellationToken ct)
    {
        foreach (var (slug, id) in _ids)
        {
            if (id == tenantId)
            {
                return slug;
            }
        }

        await using var command = data.Owner.CreateCommand("SELECT slug FROM tenants WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        if (await command.ExecuteScalarAsync(ct) is not string found)
        {
            throw new NotFoundException($"tenant {tenantId} does not exist");
        }

        _ids[found] = tenantId;
        return found;
    }

    public async Task<TenantSession> BeginSessionAsync(string slug, CancellationToken ct) =>
        await TenantSession.BeginAsync(data.Runtime, await ResolveAsync(slug, ct), ct);
}
