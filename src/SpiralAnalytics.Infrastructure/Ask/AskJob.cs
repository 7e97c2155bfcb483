using Hangfire;
using Hangfire.Server;
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

public sealed class AskJob(AskPipeline pipeline, TenantDirectory tenants) : IAskJob
{
    public const string Queue = "ask";

    public async Task RunAsync(Guid tenantId, Guid jobId, PerformContext? context, CancellationToken ct)
    {
        var retries = context?.GetJobParameter<int>("RetryCount") ?? 0;
        var tenant = await tenants.SlugAsync(tenantId, ct);
        await pipeline.RunAsync(tenant, tenantId, jobId, lastAttempt: retries >= AskRetryPolicy.Retries, ct);
    }
}
