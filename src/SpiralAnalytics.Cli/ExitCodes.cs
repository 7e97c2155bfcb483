using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Cli;

/// <summary>The one place that turns a failure into a message on stderr and an exit code (CLI.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int UserError = 1;
    public const int Usage = 2;
    public const int ServiceUnreachable = 3;
    public const int Cancelled = 130;

    public static async Task<int> ReportAsync(Exception e, TextWriter stderr)
    {
        switch (e)
        {
            case UserErrorException user:
                await stderr.WriteLineAsync($"spiral: {user.Message}");
                foreach (var detail in user.Details)
                {
                    await stderr.WriteLineAsync($"  {detail}");
                }

                return UserError;
            case ServiceUnavailableException unavailable:
                await stderr.WriteLineAsync($"spiral: {unavailable.Message}");
                return ServiceUnreachable;
            case OptionsValidationException options:
                await stderr.WriteLineAsync($"spiral: configuration: {string.Join("; ", options.Failures)}");
                return ServiceUnreachable;
            case PostgresException { SqlState: "28P01" or "28000" or "3D000" } pg:
                await stderr.WriteLineAsync($"spiral: PostgreSQL refused the connection: {pg.MessageText} (is scripts/local-up running, and the connection string right?)");
                return ServiceUnreachable;
            case NpgsqlException { InnerException: TimeoutException } when e.Message.Contains("reading from stream", StringComparison.Ordinal):
                await stderr.WriteLineAsync($"spiral: PostgreSQL did not answer within the command timeout: {e.Message}");
                return ServiceUnreachable;
            case NpgsqlException { InnerException: SocketException or TimeoutException or IOException } or NpgsqlException { SqlState: null }:
                await stderr.WriteLineAsync($"spiral: PostgreSQL is unreachable: {e.Message} (start it with scripts/local-up)");
                return ServiceUnreachable;
            case HttpRequestException http:
                await stderr.WriteLineAsync($"spiral: a required HTTP service failed: {http.Message} (check Spiral:Embeddings, or use the local embedder)");
                return ServiceUnreachable;
            case OperationCanceledException:
                await stderr.WriteLineAsync("spiral: cancelled");
                return Cancelled;
            default:
                await stderr.WriteLineAsync($"spiral: {e.GetType().Name}: {e.Message}");
                return UserError;
        }
    }
}
