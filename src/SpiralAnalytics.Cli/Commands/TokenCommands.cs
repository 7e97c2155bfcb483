using System.CommandLine;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral token create --tenant SLUG --role admin|lead|viewer [--user U]</c>, or <c>spiral token create --operator [--user U]</c>
/// (the platform operator: no tenant): a signed JWT for the API, alone on stdout.
/// </summary>
internal static class TokenCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string?>("--tenant") { Description = "the tenant's slug (it must exist)" };
        var role = new Option<string?>("--role") { Description = "admin, lead or viewer" };
        role.AcceptOnlyFromAmong([.. SpiralRoles.All]);
        var operatorRole = new Option<bool>("--operator") { Description = "a platform operator token (the shipped catalog; no tenant)" };
        var user = new Option<string?>("--user") { Description = $"the user id carried as 'sub' (default: {TokenIssuer.DefaultUser})" };
        var create = new Command("create", "Print a signed API token (Auth:SigningKey) for a tenant and role, or for the operator") { tenant, role, operatorRole, user };
        create.Validators.Add(result =>
        {
            var isOperator = result.GetValue(operatorRole);
            var (hasTenant, hasRole) = (result.GetResult(tenant) is not null, result.GetResult(role) is not null);
            if (isOperator && (hasTenant || hasRole))
            {
                result.AddError("--operator takes no --tenant or --role: the operator belongs to no tenant");
            }
            else if (!isOperator && (!hasTenant || !hasRole))
            {
                result.AddError("give --tenant SLUG and --role admin|lead|viewer (or --operator)");
            }
        });
        create.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            if (parse.GetValue(operatorRole))
            {
                await cli.Out.WriteLineAsync(cli.Service<TokenIssuer>(host).CreateOperator(parse.GetValue(user)));
                return ExitCodes.Success;
            }

            var slug = parse.GetValue(tenant)!;
            await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
            var token = cli.Service<TokenIssuer>(host).Create(slug, parse.GetValue(role)!, parse.GetValue(user));
            await cli.Out.WriteLineAsync(token);
            return ExitCodes.Success;
        });
        return new Command("token", "API tokens") { create };
    }
}
