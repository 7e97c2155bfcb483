using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using SpiralAnalytics.Infrastructure.Ask;

namespace SpiralAnalytics.Api.Mcp;

/// <summary>How an ask ended for the MCP caller: the job's final event, or (still running after the wait) its status then.</summary>
public sealed record McpAskOutcome(Guid JobId, Guid ConversationId, JobEvent? Final, string Status);

/// <summary>
/// A question through the ask pipeline exactly as <c>POST /api/v1/ask</c> takes it (<see cref="AskService.SubmitAsync"/>: the
/// job row, the queue, the workers, the cache), then followed on its event stream to the final event, each stage reported as
/// MCP progress. A caller that goes away cancels the job; one that waits longer than <see cref="McpOptions.AskWaitSeconds"/>
/// gets the job id and its status, and the job runs on.
/// </summary>
public sealed class McpAsker(AskService asks, JobEventReader events, JobStore jobs, IOptions<McpOptions> options, ILogger<McpAsker> logger)
{
    public async Task<McpAskOutcome> AskAsync(string tenant, string userId, string question, Guid? conversationId, DateTimeOffset? asOf,
        IProgress<ProgressNotificationValue>? progress, CancellationToken ct)
    {
        var accepted = await asks.SubmitAsync(tenant, userId, question, conversationId, asOf, answerHere: false, ct);
        var job = accepted.Job;
        var conversation = job.ConversationId!.Value;
        var waitSeconds = options.Value.AskWaitSeconds;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(waitSeconds));
        var status = job.Status;
        try
        {
            await foreach (var item in events.ReadAsync(job.TenantId, job.Id, 0, wait.Token))
            {
                if (item.Event is not { } e)
                {
                    continue;
                }

                status = e.Status;
                progress?.Report(new ProgressNotificationValue
                {
                    Progress = Math.Min(e.Seq, JobStatuses.Stages.Count + 1),
                    Total = JobStatuses.Stages.Count + 1,
                    Message = e.Detail is null ? e.Status : $"{e.Status}: {e.Detail}",
                });
                if (e.IsFinal)
                {
                    Log.McpJobFinished(logger, "ask", tenant, job.Id, e.Status, (long)e.ElapsedMs);
                    return new McpAskOutcome(job.Id, conversation, e, e.Status);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await asks.CancelAsync(job.TenantId, job.Id, CancellationToken.None);
            throw;
        }
        catch (OperationCanceledException)
        {
            Log.McpAskStillRunning(logger, job.Id, status, waitSeconds);
        }

        var row = await jobs.GetAsync(job.TenantId, job.Id, ct);
        return new McpAskOutcome(job.Id, conversation, null, row?.Status ?? status);
    }

    /// <summary>The answer of a completed job's final event.</summary>
    public static Infrastructure.Queries.QueryResult? ResultOf(JobEvent final) =>
        final.Result?.Deserialize(AskJsonContext.Default.QueryResult);
}
