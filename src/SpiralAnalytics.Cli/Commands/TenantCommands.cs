using System.CommandLine;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

internal static class TenantCommands
{
    public static Command Create(CliContext cli)
    {
        var slug = new Argument<string>("SLUG") { Description = "the tenant's slug: lowercase letters, digits and '-'" };
        var name = new Option<string?>("--name") { Description = "display name (defaults to the slug)" };
        var create = new Command("create", "Create a tenant (idempotent)") { slug, name };
        create.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var (tenant, created) = await cli.Service<TenantDirectory>(host).CreateAsync(parse.GetValue(slug)!, parse.GetValue(name), ct);
            await cli.Out.WriteLineAsync(created
                ? $"created tenant '{tenant.Slug}' ({tenant.Name}), id {tenant.Id}"
                : $"tenant '{tenant.Slug}' ({tenant.Name}) already exists, id {tenant.Id}");
            return ExitCodes.Success;
        });
        return new Command("tenant", "Manage tenants") { create };
    }
}
