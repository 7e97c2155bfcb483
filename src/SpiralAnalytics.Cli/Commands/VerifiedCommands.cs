using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Verified;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral verified add | approve | list | remove | check --tenant SLUG</c>: the tenant's verified question → spec pairs,
/// which the ask pipeline answers first. <c>check</c> exits 1 when any verified pair drifted (the translator's reading of its
/// question moved away from both the verified spec and its reading at verification, or the spec no longer validates or
/// uses a metric that changed meaning).
/// </summary>
internal static class VerifiedCommands
{
    public static Command Create(CliContext cli) => new("verified", "Verified questions: question → spec pairs answered first, as verified")
    {
        Add(cli), Approve(cli), List(cli), Remove(cli), Check(cli),
    };

    private static Option<string> Tenant() => new("--tenant") { Description = "the tenant's slug", Required = true };

    private static Option<string?> User() => new("--user") { Description = "who verifies (default: cli:$USER)" };

    private static string UserOf(ParseResult parse, Option<string?> user) => parse.GetValue(user) ?? $"cli:{Environment.UserName}";

    private static Command Add(CliContext cli)
    {
        var question = new Argument<string?>("QUESTION") { Description = "the question the spec answers (with --job: rewords the job's question)", Arity = ArgumentArity.ZeroOrOne };
        var spec = new Option<string?>("--spec") { Description = "the AnalyticsSpec JSON file, or - for stdin" };
        var job = new Option<Guid?>("--job") { Description = "verify the question and spec of this completed job instead" };
        var tenant = Tenant();
        var user = User();
        var json = new Option<bool>("--json") { Description = "the stored pair as JSON" };
        var command = new Command("add", "Verify a question → spec pair (the spec is validated first); the same question again replaces it")
        {
            question, spec, job, tenant, user, json,
        };
        command.Validators.Add(result =>
        {
            var hasJob = result.GetValue(job) is not null;
            var hasSpec = result.GetValue(spec) is not null;
            if (hasJob == hasSpec)
            {
                result.AddError("give either --spec FILE|- (with QUESTION) or --job ID");
            }
            else if (hasSpec && string.IsNullOrWhiteSpace(result.GetValue(question)))
            {
                result.AddError("QUESTION is required with --spec");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var verifier = cli.Service<VerifiedQuestionService>(host);
            var slug = parse.GetValue(tenant)!;
            (VerifiedQuestion Pair, bool Created) added;
            if (parse.GetValue(job) is { } jobId)
            {
                added = await verifier.VerifyJobAsync(slug, jobId, UserOf(parse, user), parse.GetValue(question), ct);
            }
            else
            {
                var parsed = SpecJson.Parse(await ReadSpecAsync(cli, parse.GetValue(spec)!, ct));
                if (!parsed.IsValid)
                {
                    throw new SpecValidationException(parsed.Errors);
                }

                added = await verifier.VerifyAsync(slug, parse.GetValue(question)!, parsed.Spec!, UserOf(parse, user), ct);
            }

            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(added.Pair, VerifiedJsonContext.Default.VerifiedQuestion));
            }
            else
            {
                await cli.Out.WriteLineAsync($"{(added.Created ? "verified" : "replaced")} {added.Pair.Id}: \"{added.Pair.Question}\" → {added.Pair.Spec.ToJsonString()}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Approve(CliContext cli)
    {
        var id = new Argument<Guid>("ID") { Description = "a proposed pair's id (spiral verified list --state proposed)" };
        var tenant = Tenant();
        var user = User();
        var command = new Command("approve", "Verify a proposed pair (a thumbs-up proposes one)") { id, tenant, user };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var pair = await cli.Service<VerifiedQuestionStore>(host).ApproveAsync(parse.GetValue(tenant)!, parse.GetValue(id), UserOf(parse, user), ct);
            await cli.Out.WriteLineAsync($"verified {pair.Id}: \"{pair.Question}\" → {pair.Spec.ToJsonString()}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliContext cli)
    {
        var tenant = Tenant();
        var state = new Option<string?>("--state") { Description = "proposed or verified (default: both)" };
        var json = new Option<bool>("--json") { Description = "as JSON" };
        var command = new Command("list", "The tenant's verified and proposed questions, newest first") { tenant, state, json };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            var pairs = await cli.Service<VerifiedQuestionStore>(host).ListAsync(parse.GetValue(tenant)!, parse.GetValue(state), ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(pairs, VerifiedJsonContext.Default.IReadOnlyListVerifiedQuestion));
                return ExitCodes.Success;
            }

            await TextTable.WriteAsync(cli.Out, ["id", "state", "question", "spec"],
                pairs.Select(p => (IReadOnlyList<string>)[p.Id.ToString(), p.State, p.Question, p.Spec.ToJsonString()]));
            await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{pairs.Count} pair(s): {pairs.Count(p => p.State == VerifiedStates.Verified)} verified, {pairs.Count(p => p.State == VerifiedStates.Proposed)} proposed"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliContext cli)
    {
        var id = new Argument<Guid>("ID") { Description = "the pair's id" };
        var tenant = Tenant();
        var command = new Command("remove", "Remove a verified or proposed pair") { id, tenant };
        command.SetAction(async (parse, ct) =>
        {
            using var host = cli.BuildHost();
            await cli.Service<VerifiedQuestionStore>(host).RemoveAsync(parse.GetValue(tenant)!, parse.GetValue(id), ct);
            await cli.Out.WriteLineAsync($"removed {parse.GetValue(id)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Check(CliContext cli)
    {
        var tenant = Tenant();
        var asOf = new Option<string?>("--as-of") { Description = "translate as of this instant (ISO date or date-time, UTC; default: now)" };
        var json = new Option<bool>("--json") { Description = "the report as JSON" };
        var command = new Command("check",
            "Re-run every verified question through the translator and re-validate its spec; exit 1 when any drifted") { tenant, asOf, json };
        command.SetAction(async (parse, ct) =>
        {
            var at = AsOfText.Parse(parse.GetValue(asOf), "--as-of") ?? DateTimeOffset.UtcNow;
            using var host = cli.BuildHost();
            var report = await cli.Service<VerifiedQuestionChecker>(host).CheckAsync(parse.GetValue(tenant)!, at, ct);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(report, VerifiedJsonContext.Default.VerifiedCheckReport));
            }
            else
            {
                foreach (var item in report.Items)
                {
                    await cli.Out.WriteLineAsync($"{item.Status,-9} {item.Id}  \"{item.Question}\"");
                    foreach (var problem in item.Problems)
                    {
                        await cli.Out.WriteLineAsync($"          - {problem}");
                    }
                }

                await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{report.Checked} verified question(s) checked: {report.Drifted} drifted"));
            }

            return report.Drifted > 0 ? ExitCodes.UserError : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> ReadSpecAsync(CliContext cli, string file, CancellationToken ct)
    {
        if (file == "-")
        {
            return await cli.In.ReadToEndAsync(ct);
        }

        return File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : throw new UserErrorException($"spec file '{file}' not found");
    }
}
