using System.CommandLine;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

/// <summary><c>spiral token create --tenant SLUG --role admin|lead|viewer [--user U]</c>: a signed JWT for the API, alone on stdout.</summary>
internal static class TokenCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "the tenant's slug (it must exist)", Required = true };
        var role = new Option<string>("--role") { Description = "admin, lead or viewer", Required = true };
        role.AcceptOnlyFromAmong([.. SpiralRoles.All]);
        var user = new Option<string?>("--user") { Description = $"the user id carried as 'sub' (default: {TokenIssuer.DefaultUser})" };
        var create = new Command("create", "Print a signed API token (Auth:SigningKey) for a tenant and role") { tenant, role, user };
        create.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var slug = parse.GetValue(tenant)!;
            await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
            var token = cli.Service<TokenIssuer>(host).Create(slug, parse.GetValue(role)!, parse.GetValue(user));
            await cli.Out.WriteLineAsync(token);
            return ExitCodes.Success;
        });
        return new Command("token", "API tokens") { create };
    }
}
