using Hangfire;
using Microsoft.Extensions.Logging;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>Hands new firings to delivery: Hangfire jobs in the API, in process in the CLI (no Hangfire server there).</summary>
public interface IAlertDispatcher
{
    Task DispatchAsync(Guid tenantId, IReadOnlyList<AlertFiring> firings, CancellationToken ct);
}

/// <summary>Delivers each firing with a webhook now, one after the other (the CLI's <c>alerts evaluate</c>, and the API without jobs).</summary>
public sealed class InlineAlertDispatcher(AlertDelivery delivery) : IAlertDispatcher
{
    public async Task DispatchAsync(Guid tenantId, IReadOnlyList<AlertFiring> firings, CancellationToken ct)
    {
        foreach (var firing in firings.Where(f => f.DeliveryState == "pending"))
        {
            await delivery.DeliverAsync(tenantId, firing.Id, ct);
        }
    }
}

/// <summary>One delivery job per firing with a webhook.</summary>
public sealed class HangfireAlertDispatcher(IBackgroundJobClient jobs) : IAlertDispatcher
{
    public Task DispatchAsync(Guid tenantId, IReadOnlyList<AlertFiring> firings, CancellationToken ct)
    {
        foreach (var firing in firings.Where(f => f.DeliveryState == "pending"))
        {
            jobs.Enqueue<IAlertDeliveryJob>(j => j.DeliverAsync(tenantId, firing.Id, CancellationToken.None));
        }

        return Task.CompletedTask;
    }
}

/// <summary>Evaluates every tenant's enabled rules (enqueued after each refresh of the analytics views).</summary>
public interface IAlertEvaluationJob
{
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [30, 120], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    Task RunAsync(CancellationToken ct);
}

/// <summary>Delivers one firing. Not retried by Hangfire: <see cref="AlertDelivery"/> retries with back-off and records each attempt itself.</summary>
public interface IAlertDeliveryJob
{
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    Task DeliverAsync(Guid tenantId, Guid firingId, CancellationToken ct);
}

public sealed class AlertEvaluationJob(AlertEvaluator evaluator, TenantDirectory tenants, IAlertDispatcher dispatcher) : IAlertEvaluationJob
{
    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var tenant in await evaluator.TenantsWithEnabledRulesAsync(ct))
        {
            var report = await evaluator.EvaluateAsync(tenant, null, ct);
            await dispatcher.DispatchAsync(await tenants.ResolveAsync(tenant, ct), report.NewFirings, ct);
        }
    }
}

public sealed class AlertDeliveryJob(AlertDelivery delivery) : IAlertDeliveryJob
{
    public Task DeliverAsync(Guid tenantId, Guid firingId, CancellationToken ct) => delivery.DeliverAsync(tenantId, firingId, ct);
}

/// <summary>After each refresh of the analytics views (the recurring job, a Jira sync, any caller), the alert evaluation is enqueued.</summary>
public sealed class AlertEvaluationScheduler(IBackgroundJobClient jobs, ILogger<AlertEvaluationScheduler> logger) : IAfterRefresh
{
    public Task<string?> AfterRefreshAsync(long dataVersion, CancellationToken ct)
    {
        var id = jobs.Enqueue<IAlertEvaluationJob>(j => j.RunAsync(CancellationToken.None));
        Log.AlertEvaluationEnqueued(logger, dataVersion, id);
        return Task.FromResult<string?>($"alert evaluation enqueued (job {id})");
    }
}
