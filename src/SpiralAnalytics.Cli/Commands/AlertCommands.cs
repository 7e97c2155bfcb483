using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Alerts;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Cli.Commands;

/// <summary><c>spiral alerts list|add|remove|enable|disable|evaluate|firings --tenant SLUG</c>: the API's alert rules for operators.</summary>
internal static class AlertCommands
{
    private static readonly JsonSerializerOptions Indented = new(AlertJsonContext.Default.Options) { WriteIndented = true };

    public static Command Create(CliContext cli)
    {
        var alerts = new Command("alerts", "Alert rules: a metric and scope (a spec) and a condition, evaluated after each refresh, delivered to a signed webhook");
        alerts.Subcommands.Add(List(cli));
        alerts.Subcommands.Add(Add(cli));
        alerts.Subcommands.Add(Change(cli, "remove", "Remove a rule with its firings", async (store, tenant, rule, ct) =>
        {
            await store.RemoveAsync(tenant, rule, ct);
            return $"removed alert rule '{rule}'";
        }));
        alerts.Subcommands.Add(Change(cli, "enable", "Turn a rule on", async (store, tenant, rule, ct) =>
            $"enabled: {(await store.SetEnabledAsync(tenant, rule, true, ct)).Name}"));
        alerts.Subcommands.Add(Change(cli, "disable", "Turn a rule off (nothing fires or is delivered for it)", async (store, tenant, rule, ct) =>
            $"disabled: {(await store.SetEnabledAsync(tenant, rule, false, ct)).Name}"));
        alerts.Subcommands.Add(Evaluate(cli));
        alerts.Subcommands.Add(Firings(cli));
        return alerts;
    }

    private static Option<string> Tenant() => new("--tenant") { Description = "the tenant's slug", Required = true };

    private static Option<bool> Json() => new("--json") { Description = "print JSON" };

    private static Command List(CliContext cli)
    {
        var (tenant, json) = (Tenant(), Json());
        var command = new Command("list", "The tenant's alert rules") { tenant, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var rules = await cli.Service<AlertStore>(host).ListAsync(parse.GetValue(tenant)!, ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(rules, Indented));
                return ExitCodes.Success;
            }

            foreach (var rule in rules)
            {
                await cli.Out.WriteLineAsync($"{rule.Id}  {(rule.Enabled ? "on " : "off")}  {rule.Name}  [{rule.Description}]  → {rule.WebhookUrl ?? "(chat page only)"}");
            }

            if (rules.Count == 0)
            {
                await cli.Error.WriteLineAsync("no alert rules");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Add(CliContext cli)
    {
        var (tenant, json) = (Tenant(), Json());
        var spec = new Option<string?>("--spec") { Description = "a spec file (or - for stdin): exactly one metric and its scope (filters)" };
        var condition = new Option<string?>("--condition") { Description = "JSON: {\"op\": \"above|below|abs_z_above\", \"value\": N, \"sprints\": N}" };
        var question = new Option<string?>("--question") { Description = "instead of --spec and --condition: \"tell me when Phoenix's spillover is above 20% two sprints running\"" };
        var name = new Option<string?>("--name") { Description = "the rule's name (default: its description)" };
        var webhook = new Option<string?>("--webhook") { Description = "http(s) URL the firings are POSTed to, signed with the rule's secret" };
        var disabled = new Option<bool>("--disabled") { Description = "create it turned off" };
        var user = new Option<string>("--user") { Description = "recorded as the rule's author", DefaultValueFactory = _ => "cli" };
        var command = new Command("add", "Create an alert rule; prints it and its signing secret (shown once)")
            { tenant, spec, condition, question, name, webhook, disabled, user, json };
        command.Validators.Add(result =>
        {
            var fromSentence = result.GetValue(question) is not null;
            if (fromSentence == (result.GetValue(spec) is not null || result.GetValue(condition) is not null))
            {
                result.AddError("give either --question, or --spec and --condition");
            }
            else if (!fromSentence && (result.GetValue(spec) is null || result.GetValue(condition) is null))
            {
                result.AddError("--spec and --condition go together");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var slug = parse.GetValue(tenant)!;
            AlertRuleDraft draft;
            if (parse.GetValue(question) is { } sentence)
            {
                var outcome = await cli.Service<AlertRuleDrafter>(host).DraftAsync(slug, sentence, DateTimeOffset.UtcNow, ct);
                if (outcome.Draft is null)
                {
                    var clarification = outcome.Clarification!;
                    await cli.Error.WriteLineAsync($"spiral: no rule created: {clarification.Reason}; for example:");
                    foreach (var option in clarification.Options)
                    {
                        await cli.Error.WriteLineAsync($"  {option.Question}");
                    }

                    return ExitCodes.UserError;
                }

                foreach (var note in outcome.Notes)
                {
                    await cli.Error.WriteLineAsync($"note: {note}");
                }

                draft = outcome.Draft with { Name = parse.GetValue(name) };
            }
            else
            {
                var file = parse.GetValue(spec)!;
                var text = file == "-" ? await cli.In.ReadToEndAsync(ct)
                    : File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : throw new UserErrorException($"spec file '{file}' not found");
                var parsed = SpecJson.Parse(text);
                if (!parsed.IsValid)
                {
                    throw new SpecValidationException(parsed.Errors.Select(e => e with { Path = "spec." + e.Path }).ToList());
                }

                AlertCondition? when;
                try
                {
                    when = JsonSerializer.Deserialize(parse.GetValue(condition)!, AlertJsonContext.Default.AlertCondition);
                }
                catch (JsonException e)
                {
                    throw new UserErrorException($"--condition: not a condition object ({e.Message.Split(". Path", 2)[0]})");
                }

                draft = new AlertRuleDraft(parse.GetValue(name), parsed.Spec!, when ?? throw new UserErrorException("--condition: required"), null);
            }

            var created = await cli.Service<AlertStore>(host).CreateAsync(slug, parse.GetValue(user)!, draft, parse.GetValue(webhook), !parse.GetValue(disabled), ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(created, Indented));
            }
            else
            {
                await cli.Out.WriteLineAsync($"created alert rule {created.Rule.Id} '{created.Rule.Name}': {created.Rule.Description}");
                await cli.Out.WriteLineAsync($"signing secret (shown once): {created.Secret}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Change(CliContext cli, string verb, string description, Func<AlertStore, string, string, CancellationToken, Task<string>> change)
    {
        var tenant = Tenant();
        var rule = new Argument<string>("RULE") { Description = "the rule's id or name" };
        var command = new Command(verb, description) { rule, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            await cli.Out.WriteLineAsync(await change(cli.Service<AlertStore>(host), parse.GetValue(tenant)!, parse.GetValue(rule)!, ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Evaluate(CliContext cli)
    {
        var (tenant, json) = (Tenant(), Json());
        var asOf = new Option<string?>("--as-of") { Description = "judge the sprints closed by this date (default: now)" };
        var command = new Command("evaluate", "Evaluate the tenant's enabled rules now and deliver each new firing to its webhook (in this process)")
            { tenant, asOf, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var slug = parse.GetValue(tenant)!;
            var report = await cli.Service<AlertEvaluator>(host).EvaluateAsync(slug, AsOfText.Parse(parse.GetValue(asOf), "--as-of"), ct);
            var tenantId = await cli.Service<TenantDirectory>(host).ResolveAsync(slug, ct);
            var delivery = cli.Service<AlertDelivery>(host);
            var states = new Dictionary<Guid, string>();
            foreach (var firing in report.NewFirings)
            {
                states[firing.Id] = firing.DeliveryState == "pending" ? await delivery.DeliverAsync(tenantId, firing.Id, ct) : firing.DeliveryState;
            }

            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(report with
                {
                    NewFirings = report.NewFirings.Select(f => f with { DeliveryState = states[f.Id] }).ToList(),
                }, Indented));
            }
            else
            {
                foreach (var firing in report.NewFirings)
                {
                    await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"fired: {firing.RuleName} — {firing.Team}, {firing.Sprint}: value {firing.Value?.ToString("G4", CultureInfo.InvariantCulture) ?? "—"}, z {firing.Z?.ToString("0.00", CultureInfo.InvariantCulture) ?? "—"}; {states[firing.Id]}"));
                }

                await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"evaluated {report.Rules} rule(s) of '{slug}' in {report.ElapsedMs:0} ms: {report.NewFirings.Count} new firing(s)"));
            }

            foreach (var error in report.Errors)
            {
                await cli.Error.WriteLineAsync($"rule not evaluated: {error}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Firings(CliContext cli)
    {
        var (tenant, json) = (Tenant(), Json());
        var limit = new Option<int>("--limit") { Description = "at most this many, newest first", DefaultValueFactory = _ => 50 };
        var command = new Command("firings", "The tenant's firings, newest first, with their delivery state") { tenant, limit, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var firings = await cli.Service<AlertStore>(host).FiringsAsync(parse.GetValue(tenant)!, null, parse.GetValue(limit), ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(firings, Indented));
                return ExitCodes.Success;
            }

            foreach (var f in firings)
            {
                await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{f.FiredAt:yyyy-MM-dd HH:mm}  {f.RuleName} — {f.Team}, {f.Sprint}: {f.Value?.ToString("G4", CultureInfo.InvariantCulture) ?? "—"}  {f.DeliveryState} ({f.Attempts} attempt(s))"));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
