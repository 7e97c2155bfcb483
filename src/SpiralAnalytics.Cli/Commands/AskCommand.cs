using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpiralAnalytics.Infrastructure.Ask;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Cli.Commands;

/// <summary>
/// <c>spiral ask "QUESTION" --tenant SLUG [--as-of DATE] [--conversation ID] [--json]</c> (CLI.md): the whole pipeline, in
/// this process, through the same code as the API's jobs — the same job row, events and cache. Stages go to stderr as they
/// happen; the answer to stdout. A clarification is an answer (exit 0; with --json the object has "clarification" instead
/// of rows); a failed job exits 1, a cancelled one 130.
/// </summary>
internal static class AskCommand
{
    public static Command Create(CliContext cli)
    {
        var question = new Argument<string>("question") { Description = "the question, in plain words" };
        var tenant = new Option<string>("--tenant") { Description = "the tenant's slug", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "answer as of this instant (ISO date or date-time, UTC; default: now)" };
        var conversation = new Option<Guid?>("--conversation") { Description = "a conversation id: the question follows up its last answer" };
        var json = new Option<bool>("--json") { Description = "the result object as JSON on stdout" };
        var command = new Command("ask", "Ask a question: translate, validate, plan, cache, execute") { question, tenant, asOf, conversation, json };
        command.SetAction(async (parse, ct) =>
        {
            var at = AsOfText.Parse(parse.GetValue(asOf), "--as-of");
            var slug = parse.GetValue(tenant)!;
            using var host = cli.BuildHost();
            var asks = cli.Service<AskService>(host);
            var (tenantId, job) = await asks.CreateAsync(slug, $"cli:{Environment.UserName}", parse.GetValue(question)!, parse.GetValue(conversation), at, ct);

            // Ctrl+C cancels the job (recorded as cancelled), not just this process.
            var cancellations = cli.Service<JobCancellations>(host);
            await using var onCancel = ct.Register(() => cancellations.Cancel(job.Id));
            using var follow = new CancellationTokenSource();
            var progress = FollowAsync(cli, cli.Service<JobEventReader>(host), tenantId, job.Id, follow.Token);
            try
            {
                await cli.Service<AskPipeline>(host).RunAsync(slug, tenantId, job.Id, lastAttempt: true, CancellationToken.None);
            }
            catch
            {
                await follow.CancelAsync();
                throw;
            }

            var final = await progress;
            return await PrintAsync(cli, final, parse.GetValue(question)!, parse.GetValue(json));
        });
        return command;
    }

    private static async Task<JobEvent> FollowAsync(CliContext cli, JobEventReader reader, Guid tenantId, Guid jobId, CancellationToken ct)
    {
        await foreach (var item in reader.ReadAsync(tenantId, jobId, 0, ct))
        {
            if (item.Event is not { } e)
            {
                continue;
            }

            await cli.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{e.Seq,2} {e.Status,-13} {e.ElapsedMs,8:0.0} ms  {e.Detail}"));
            if (e.IsFinal)
            {
                return e;
            }
        }

        throw new InvalidOperationException($"the event stream of job {jobId} ended without a final event");
    }

    private static async Task<int> PrintAsync(CliContext cli, JobEvent final, string question, bool json)
    {
        switch (final.Status)
        {
            case JobStatuses.Completed:
                var result = final.Result!.Deserialize(AskJsonContext.Default.QueryResult)!;
                if (json)
                {
                    await cli.Out.WriteLineAsync(JsonSerializer.Serialize(result, QueryJsonContext.Default.QueryResult));
                    return ExitCodes.Success;
                }

                await ResultText.WriteAsync(cli, result, $"; cache {result.Cache}; job {final.JobId}");

                return ExitCodes.Success;
            case JobStatuses.Clarification:
                var clarification = final.Clarification!;
                if (json)
                {
                    var node = new JsonObject
                    {
                        ["question"] = question,
                        ["clarification"] = JsonSerializer.SerializeToNode(clarification, AskJsonContext.Default.Clarification),
                        ["job_id"] = final.JobId.ToString(),
                    };
                    await cli.Out.WriteLineAsync(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                    return ExitCodes.Success;
                }

                await cli.Out.WriteLineAsync(clarification.Reason);
                foreach (var option in clarification.Options)
                {
                    await cli.Out.WriteLineAsync($"  - {option.Label}: spiral ask \"{option.Question}\"");
                }

                return ExitCodes.Success;
            case JobStatuses.Cancelled:
                await cli.Error.WriteLineAsync($"spiral: job {final.JobId} cancelled");
                return ExitCodes.Cancelled;
            default:
                await cli.Error.WriteLineAsync($"spiral: {final.Error ?? "the job failed"}");
                return ExitCodes.UserError;
        }
    }

}
