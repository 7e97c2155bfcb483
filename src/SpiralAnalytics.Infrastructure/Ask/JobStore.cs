using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// Reads and writes <c>analytics_jobs</c> as the runtime role inside a <see cref="TenantSession"/>, so RLS keeps every
/// tenant to its own jobs. Status changes are conditional updates: a final status is written once (the first writer
/// wins), so a re-run, a late cancel or a racing worker never rewrites a finished job.
/// </summary>
public sealed class JobStore(SpiralDataSources data)
{
    private const string Columns =
        """
        id, tenant_id, user_id, conversation_id, question, translator, spec, sql, metric_versions, status, created_at, started_at,
        finished_at, stage_durations, cache_hit, result, error, as_of, cancel_requested_at, clarification, notes, attempts, data_version
        """;

    private const string Running = "('translating', 'validating', 'planning', 'executing')";

    public async Task<JobRecord> CreateAsync(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = session.Command(
            $"""
            INSERT INTO analytics_jobs (tenant_id, user_id, conversation_id, question, as_of, status)
            VALUES ($1, $2, $3, $4, $5, 'queued') RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = question });
        command.Parameters.Add(new NpgsqlParameter { Value = asOf });
        var job = (await ReadAsync(command, ct))!;
        await session.CommitAsync(ct);
        return job;
    }

    /// <summary>
    /// A question answered at submission from the question cache: one row, already <c>completed</c> with everything a
    /// pipeline run would have recorded (translator, spec, SQL, metric versions, data version, notes, result, a cache hit).
    /// </summary>
    public async Task<JobRecord> CreateAnsweredAsync(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf,
        StageUpdate update, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = Command(session,
            $"""
            INSERT INTO analytics_jobs (tenant_id, user_id, conversation_id, question, as_of, status, started_at, finished_at, attempts,
                stage_durations, translator, spec, sql, metric_versions, notes, data_version, result, cache_hit)
            VALUES ($1, $2, $3, $4, $5, 'completed', now(), now(), 0, $6::jsonb, $7, $8::jsonb, $9, $10::jsonb, $11::jsonb, $12::bigint, $13::jsonb, true)
            RETURNING {Columns}
            """,
            [tenantId, userId, conversationId, question, asOf, update.Durations, update.Translator, update.Spec, update.Sql,
                update.MetricVersions, update.Notes, update.DataVersion, update.Result]);
        var job = (await ReadAsync(command, ct))!;
        await session.CommitAsync(ct);
        return job;
    }

    /// <summary>
    /// A job for a spec that arrives ready-made (an MCP client's model wrote it): no question and no conversation, the
    /// given spec and <paramref name="source"/> as its translator, started at once in <c>validating</c> (attempt 1). The
    /// stages after it use <see cref="AdvanceAsync"/> and <see cref="FinishAsync"/> like any other job's.
    /// </summary>
    public async Task<JobRecord> CreateForSpecAsync(Guid tenantId, string? userId, string source, string? specJson, DateTimeOffset asOf, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = session.Command(
            $"""
            INSERT INTO analytics_jobs (tenant_id, user_id, translator, spec, as_of, status, started_at, attempts)
            VALUES ($1, $2, $3, $4::jsonb, $5, 'validating', now(), 1) RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)specJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = asOf });
        var job = (await ReadAsync(command, ct))!;
        await session.CommitAsync(ct);
        return job;
    }

    /// <summary>The job, or null when there is none of this tenant's.</summary>
    public async Task<JobRecord?> GetAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        await OneAsync(tenantId, $"SELECT {Columns} FROM analytics_jobs WHERE id = $1", ct, jobId);

    /// <summary>
    /// Moves a queued job (or one a crashed worker left mid-run) to <c>translating</c> and counts the attempt; null when
    /// the job is final or cancelling, i.e. there is nothing to run.
    /// </summary>
    public Task<JobRecord?> TryStartAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        OneAsync(tenantId,
            $"""
            UPDATE analytics_jobs SET status = 'translating', started_at = coalesce(started_at, now()), attempts = attempts + 1, error = NULL
            WHERE id = $1 AND (status = 'queued' OR status IN {Running}) AND cancel_requested_at IS NULL
            RETURNING {Columns}
            """, ct, jobId);

    /// <summary>The spec of the newest earlier job of the conversation that has one (the follow-up's context).</summary>
    public async Task<JsonNode?> PreviousSpecAsync(Guid tenantId, Guid conversationId, DateTimeOffset before, Guid excluding, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = session.Command(
            """
            SELECT spec::text FROM analytics_jobs
            WHERE conversation_id = $1 AND created_at <= $2 AND id <> $3 AND spec IS NOT NULL AND status <> 'failed'
            ORDER BY created_at DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = before });
        command.Parameters.Add(new NpgsqlParameter { Value = excluding });
        var text = await command.ExecuteScalarAsync(ct) as string;
        await session.CommitAsync(ct);
        return text is null ? null : JsonNode.Parse(text);
    }

    /// <summary>Moves a running job to the next stage, merging <paramref name="durations"/> and any values the stage produced.</summary>
    public Task<bool> AdvanceAsync(Guid tenantId, Guid jobId, string status, StageUpdate update, CancellationToken ct) =>
        ExecuteAsync(tenantId,
            $"""
            UPDATE analytics_jobs SET status = $2, stage_durations = stage_durations || $3::jsonb,
                translator = coalesce($4, translator), spec = coalesce($5::jsonb, spec), sql = coalesce($6, sql),
                metric_versions = coalesce($7::jsonb, metric_versions), notes = coalesce($8::jsonb, notes),
                data_version = coalesce($9::bigint, data_version)
            WHERE id = $1 AND status IN {Running}
            """, ct, jobId, status, update.Durations, update.Translator, update.Spec, update.Sql, update.MetricVersions, update.Notes, update.DataVersion);

    /// <summary>Writes the final status once; false when the job was already final (nothing written).</summary>
    public Task<bool> FinishAsync(Guid tenantId, Guid jobId, string status, StageUpdate update, CancellationToken ct) =>
        ExecuteAsync(tenantId,
            """
            UPDATE analytics_jobs SET status = $2, stage_durations = stage_durations || $3::jsonb, finished_at = now(),
                translator = coalesce($4, translator), spec = coalesce($5::jsonb, spec), sql = coalesce($6, sql),
                metric_versions = coalesce($7::jsonb, metric_versions), notes = coalesce($8::jsonb, notes),
                data_version = coalesce($9::bigint, data_version), result = $10::jsonb, clarification = $11::jsonb, error = $12,
                cache_hit = $13::boolean
            WHERE id = $1 AND status NOT IN ('completed', 'clarification', 'failed', 'cancelled')
            """, ct, jobId, status, update.Durations, update.Translator, update.Spec, update.Sql, update.MetricVersions, update.Notes,
            update.DataVersion, update.Result, update.Clarification, update.Error, update.CacheHit);

    /// <summary>Notes a failed attempt that will be retried (the job keeps its stage).</summary>
    public Task<bool> RecordErrorAsync(Guid tenantId, Guid jobId, string error, CancellationToken ct) =>
        ExecuteAsync(tenantId, "UPDATE analytics_jobs SET error = $2 WHERE id = $1", ct, jobId, error);

    /// <summary>
    /// A cancel request: a queued job is cancelled at once (<see cref="CancelOutcome.Cancelled"/>); a running one is marked
    /// for its worker to stop (<see cref="CancelOutcome.Requested"/>); a final one cannot be (<see cref="CancelOutcome.AlreadyFinal"/>).
    /// </summary>
    public async Task<(CancelOutcome Outcome, JobRecord? Job)> RequestCancelAsync(Guid tenantId, Guid jobId, CancellationToken ct)
    {
        if (await OneAsync(tenantId,
                $"""
                UPDATE analytics_jobs SET status = 'cancelled', cancel_requested_at = now(), finished_at = now(), error = 'cancelled before it started'
                WHERE id = $1 AND status = 'queued' RETURNING {Columns}
                """, ct, jobId) is { } queued)
        {
            return (CancelOutcome.Cancelled, queued);
        }

        if (await OneAsync(tenantId,
                $"""
                UPDATE analytics_jobs SET cancel_requested_at = coalesce(cancel_requested_at, now())
                WHERE id = $1 AND status IN {Running} RETURNING {Columns}
                """, ct, jobId) is { } running)
        {
            return (CancelOutcome.Requested, running);
        }

        var job = await GetAsync(tenantId, jobId, ct);
        return (job is null ? CancelOutcome.NotFound : CancelOutcome.AlreadyFinal, job);
    }

    /// <summary>Whether someone asked to cancel the job.</summary>
    public async Task<bool> CancelRequestedAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        await OneAsync(tenantId, $"SELECT {Columns} FROM analytics_jobs WHERE id = $1 AND cancel_requested_at IS NOT NULL", ct, jobId) is not null;

    private async Task<JobRecord?> OneAsync(Guid tenantId, string sql, CancellationToken ct, params object?[] values)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = Command(session, sql, values);
        var job = await ReadAsync(command, ct);
        await session.CommitAsync(ct);
        return job;
    }

    private async Task<bool> ExecuteAsync(Guid tenantId, string sql, CancellationToken ct, params object?[] values)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var command = Command(session, sql, values);
        var changed = await command.ExecuteNonQueryAsync(ct);
        await session.CommitAsync(ct);
        return changed > 0;
    }

    private static NpgsqlCommand Command(TenantSession session, string sql, object?[] values)
    {
        var command = session.Command(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                bool b => new NpgsqlParameter { Value = b },
                long l => new NpgsqlParameter { Value = l },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }

    private static async Task<JobRecord?> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        JsonNode? Json(int i) => reader.IsDBNull(i) ? null : JsonNode.Parse(reader.GetString(i));
        DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new JobRecord
        {
            Id = reader.GetGuid(0),
            TenantId = reader.GetGuid(1),
            UserId = Text(2),
            ConversationId = reader.IsDBNull(3) ? null : reader.GetGuid(3),
            Question = Text(4),
            Translator = Text(5),
            Spec = Json(6),
            Sql = Text(7),
            MetricVersions = Json(8),
            Status = reader.GetString(9),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(10),
            StartedAt = At(11),
            FinishedAt = At(12),
            StageDurations = Json(13),
            CacheHit = reader.IsDBNull(14) ? null : reader.GetBoolean(14),
            Result = Json(15),
            Error = Text(16),
            AsOf = At(17),
            CancelRequestedAt = At(18),
            Clarification = Json(19),
            Notes = Json(20),
            Attempts = reader.GetInt32(21),
            DataVersion = reader.IsDBNull(22) ? null : reader.GetInt64(22),
        };
    }
}

public enum CancelOutcome
{
    NotFound,
    Cancelled,
    Requested,
    AlreadyFinal,
}

/// <summary>What a stage adds to the job row; JSON values as text (null leaves the column as it is).</summary>
public sealed record StageUpdate(string Durations)
{
    public string? Translator { get; init; }

    public string? Spec { get; init; }

    public string? Sql { get; init; }

    public string? MetricVersions { get; init; }

    public string? Notes { get; init; }

    public long? DataVersion { get; init; }

    public string? Result { get; init; }

    public string? Clarification { get; init; }

    public string? Error { get; init; }

    public bool? CacheHit { get; init; }
}
