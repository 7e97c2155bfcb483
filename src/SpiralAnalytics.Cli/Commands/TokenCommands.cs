using System.CommandLine;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral token create --tenant SLUG --role admin|lead|viewer [--user U]</c>: a signed JWT for the API, alone on stdout;
/// <c>spiral token create --operator [--user U]</c>: the platform operator's token (no tenant), for the Hangfire dashboard.
/// </summary>
internal static class TokenCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string?>("--tenant") { Description = "the tenant's slug (it must exist); required without --operator" };
        var role = new Option<string?>("--role") { Description = "admin, lead or viewer; required without --operator" };
        role.AcceptOnlyFromAmong([.. SpiralRoles.All]);
        var isOperator = new Option<bool>("--operator") { Description = "a platform operator's token (role operator, no tenant): the Hangfire dashboard" };
        var user = new Option<string?>("--user") { Description = $"the user id carried as 'sub' (default: {TokenIssuer.DefaultUser})" };
        var create = new Command("create", "Print a signed API token (Auth:SigningKey) for a tenant and role, or for the platform operator")
        {
            tenant, role, isOperator, user,
        };
        create.Validators.Add(result =>
        {
            var hasTenant = result.GetResult(tenant) is not null;
            var hasRole = result.GetResult(role) is not null; // GetValue would throw on a role AcceptOnlyFromAmong refuses
            if (result.GetValue(isOperator))
            {
                if (hasTenant || hasRole)
                {
                    result.AddError("--operator takes no --tenant or --role: an operator token belongs to no tenant");
                }
            }
            else if (!hasTenant || !hasRole)
            {
                result.AddError("--tenant and --role are required (or --operator for the platform operator's token)");
            }
        });
        create.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var issuer = cli.Service<TokenIssuer>(host);
            string token;
            if (parse.GetValue(isOperator))
            {
                token = issuer.CreateOperator(parse.GetValue(user));
            }
            else
            {
                var slug = parse.GetValue(tenant)!;
                await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
                token = issuer.Create(slug, parse.GetValue(role)!, parse.GetValue(user));
            }

            await cli.Out.WriteLineAsync(token);
            return ExitCodes.Success;
        });
        return new Command("token", "API tokens") { create };
    }
}
