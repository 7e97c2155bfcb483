using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// One question as Hangfire stores it (filters are read from this interface). Retry policy: only a transient database
/// error reaches Hangfire (the pipeline finishes the job itself for validation errors, clarifications, timeouts and
/// bugs), and it is retried <see cref="AskRetryPolicy.Retries"/> times after short delays; the last attempt finishes the
/// job as failed itself, so the user always gets a final event. Runs on the <c>ask</c> queue, so a long refresh or Jira
/// sync on the default queue never holds a question up. Its arguments are ids only: Hangfire stores and shows them (the
/// operator's dashboard), and a tenant's slug or question is the tenant's data.
/// </summary>
public interface IAskJob
{
    [AutomaticRetry(Attempts = AskRetryPolicy.Retries, DelaysInSeconds = [1, 3, 10], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    Task RunAsync(Guid tenantId, Guid jobId, PerformContext? context, CancellationToken ct);
}

public sealed class AskJob(AskPipeline pipeline, TenantDirectory tenants, AskService asks, ILogger<AskJob> logger) : IAskJob
{
    public const string Queue = "ask";

    public Task RunAsync(Guid tenantId, Guid jobId, PerformContext? context, CancellationToken ct) =>
        RunAsync(tenantId, jobId, context?.GetJobParameter<int>("RetryCount") ?? 0, ct);

    /// <summary>
    /// One attempt (<paramref name="retries"/>: how many came before it). The pipeline finishes the job itself on its last
    /// attempt, but an exception can still end that attempt with the job unfinished — before the pipeline ran (the tenant, the
    /// start), or when recording the failure failed too. Hangfire then gives the job up, so the job is finished as failed
    /// here (<see cref="AskService.GiveUpAsync"/>) and its readers get a final event instead of waiting for ever. A shutdown
    /// is not giving up: Hangfire runs the job again.
    /// </summary>
    public async Task RunAsync(Guid tenantId, Guid jobId, int retries, CancellationToken ct)
    {
        var lastAttempt = retries >= AskRetryPolicy.Retries;
        try
        {
            var tenant = await tenants.SlugAsync(tenantId, ct);
            await pipeline.RunAsync(tenant, tenantId, jobId, lastAttempt, ct);
        }
        catch (Exception e) when (lastAttempt && !ct.IsCancellationRequested)
        {
            try
            {
                if (await asks.GiveUpAsync(tenantId, jobId, CancellationToken.None))
                {
                    Log.AskGivenUp(logger, e, jobId);
                }
            }
            catch (Exception again) when (again is not OperationCanceledException)
            {
                Log.AskGiveUpFailed(logger, again, jobId);
            }

            throw;
        }
    }
}
