using Npgsql;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// Which failures of an ask are worth another attempt: transient database errors (connection lost, server shutting down,
/// serialization failure, deadlock, too many connections, pool timeout). Never a validation error or a clarification —
/// those are answers, and the pipeline finishes the job with them — and never a statement timeout or a bug, which would
/// only fail the same way again.
/// </summary>
public static class AskRetryPolicy
{
    /// <summary>Attempts after the first (Hangfire's <c>AutomaticRetry.Attempts</c> of <see cref="IAskJob"/>).</summary>
    public const int Retries = 3;

    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.ConnectionFailure or PostgresErrorCodes.ConnectionException,
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        _ => e.InnerException is { } inner && IsTransient(inner),
    };
}
