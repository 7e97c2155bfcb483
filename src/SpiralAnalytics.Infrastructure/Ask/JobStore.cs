using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// Reads and writes <c>analytics_jobs</c> through <see cref="SpiralDbContext"/> inside a <see cref="TenantSession"/> (the
/// runtime role, the tenant set for the transaction), so RLS keeps every tenant to its own jobs; the statements on every
/// question's path are one round trip each (<see cref="TenantSession.OneTripAsync"/>, same RLS). Status changes are
/// conditional updates (the status in their <c>WHERE</c>): a final status is written once (the first writer wins), so a
/// re-run, a late cancel or a racing worker never rewrites a finished job. Reads are compiled queries (the ask pipeline
/// calls them on its latency path). The statuses are <see cref="JobStatuses"/>' lists (parameters), not SQL literals.
/// </summary>
public sealed class JobStore(SpiralDataSources data)
{
    private static readonly Func<SpiralDbContext, Guid, CancellationToken, Task<StoredJob?>> ById =
        EF.CompileAsyncQuery((SpiralDbContext db, Guid id, CancellationToken ct) => db.Jobs.FirstOrDefault(j => j.Id == id));

    private static readonly Func<SpiralDbContext, Guid, CancellationToken, Task<bool>> CancelRequested =
        EF.CompileAsyncQuery((SpiralDbContext db, Guid id, CancellationToken ct) => db.Jobs.Any(j => j.Id == id && j.CancelRequestedAt != null));

    private static readonly Func<SpiralDbContext, Guid, DateTimeOffset, Guid, CancellationToken, Task<string?>> PreviousSpec =
        EF.CompileAsyncQuery((SpiralDbContext db, Guid conversation, DateTimeOffset before, Guid excluding, CancellationToken ct) =>
            db.Jobs.Where(j => j.ConversationId == conversation && j.CreatedAt <= before && j.Id != excluding && j.Spec != null
                               && j.Status != JobStatuses.Failed)
                .OrderByDescending(j => j.CreatedAt)
                .Select(j => j.Spec)
                .FirstOrDefault());

    /// <summary>A queued job's row (one round trip: <see cref="TenantSession.OneTripAsync"/>; it is on every cold question's path).</summary>
    public Task<JobRecord> CreateAsync(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId,
            """
            INSERT INTO analytics_jobs (tenant_id, user_id, conversation_id, question, as_of, status)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING id, created_at, stage_durations::text, notes::text, attempts
            """,
            [tenantId, Text(userId), conversationId, question, asOf, JobStatuses.Queued],
            async (reader, token) =>
            {
                await reader.ReadAsync(token);
                return Record(new StoredJob
                {
                    Id = reader.GetGuid(0), TenantId = tenantId, UserId = userId, ConversationId = conversationId, Question = question, AsOf = asOf,
                    Status = JobStatuses.Queued, CreatedAt = reader.GetFieldValue<DateTimeOffset>(1), StageDurations = reader.GetString(2),
                    Notes = reader.GetString(3), Attempts = reader.GetInt32(4),
                })!;
            }, ct);

    /// <summary>
    /// A question answered at submission from the question cache: one row, already <c>completed</c> with everything a
    /// pipeline run would have recorded (translator, spec, SQL, metric versions, data version, notes, result, a cache hit).
    /// Null, and nothing written, when the tenant's context or data freshness is no longer <paramref name="seen"/>: the
    /// answer was looked up under a context that has moved since.
    /// </summary>
    /// <remarks>
    /// One round trip (<see cref="TenantSession.OneTripAsync"/>), the check included: this insert is most of what a
    /// repeated question costs when its context has to be checked.
    /// </remarks>
    public Task<JobRecord?> CreateAnsweredAsync(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf,
        StageUpdate update, StampValues seen, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId,
            $"""
            INSERT INTO analytics_jobs ({AnsweredColumns}, started_at, finished_at)
            SELECT {AnsweredValues}, now(), now()
            WHERE {seen.Unchanged(15)}
            RETURNING id, created_at, started_at, finished_at
            """,
            [.. AnsweredParameters(tenantId, userId, conversationId, question, asOf, update), .. seen.Parameters()],
            async (reader, token) => await reader.ReadAsync(token)
                ? Answered(reader.GetGuid(0), tenantId, userId, conversationId, question, asOf, update, reader.GetFieldValue<DateTimeOffset>(1),
                    reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3))
                : null, ct);

    /// <summary>
    /// The record of a question answered from the question cache before its row is written (<see cref="RecordAnsweredAsync"/>):
    /// a new id, created, started and finished <paramref name="at"/>, holding what <see cref="CreateAnsweredAsync"/> would write.
    /// </summary>
    public static JobRecord Answered(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf, StageUpdate update,
        DateTimeOffset at) =>
        Answered(Guid.CreateVersion7(at), tenantId, userId, conversationId, question, asOf, update, at, at, at);

    /// <summary>
    /// Writes the row of <paramref name="job"/>, answered already (<see cref="Answered(Guid, string?, Guid, string, DateTimeOffset, StageUpdate, DateTimeOffset)"/>),
    /// as <see cref="CreateAnsweredAsync"/> would have, with the record's id and times and no check: the answer is given.
    /// </summary>
    public Task RecordAnsweredAsync(JobRecord job, StageUpdate update, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, job.TenantId,
            $"""
            INSERT INTO analytics_jobs ({AnsweredColumns}, started_at, finished_at, id, created_at)
            VALUES ({AnsweredValues}, $15, $15, $16, $15)
            """,
            [.. AnsweredParameters(job.TenantId, job.UserId, job.ConversationId!.Value, job.Question!, job.AsOf!.Value, update), job.CreatedAt, job.Id],
            (_, _) => Task.FromResult(true), ct);

    /// <summary>The columns both answered inserts write, then <see cref="AnsweredValues"/> (parameters $1–$14: <see cref="AnsweredParameters"/>).</summary>
    private const string AnsweredColumns =
        "tenant_id, user_id, conversation_id, question, as_of, status, attempts, stage_durations, translator, spec, sql, metric_versions, notes, data_version, result, cache_hit";

    private const string AnsweredValues = "$1, $2, $3, $4, $5, $6, 0, $7::jsonb, $8, $9::jsonb, $10, $11::jsonb, $12::jsonb, $13, $14::jsonb, true";

    private static object[] AnsweredParameters(Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf, StageUpdate update) =>
        [tenantId, Text(userId), conversationId, question, asOf, JobStatuses.Completed, .. StageValues(update), Text(update.Result)];

    private static JobRecord Answered(Guid id, Guid tenantId, string? userId, Guid conversationId, string question, DateTimeOffset asOf, StageUpdate update,
        DateTimeOffset createdAt, DateTimeOffset startedAt, DateTimeOffset finishedAt) =>
        Record(new StoredJob
        {
            Id = id, TenantId = tenantId, UserId = userId, ConversationId = conversationId, Question = question, AsOf = asOf,
            Status = JobStatuses.Completed, CreatedAt = createdAt, StartedAt = startedAt, FinishedAt = finishedAt, Attempts = 0,
            StageDurations = update.Durations, Translator = update.Translator, Spec = update.Spec, Sql = update.Sql,
            MetricVersions = update.MetricVersions, Notes = update.Notes, DataVersion = update.DataVersion, Result = update.Result, CacheHit = true,
        })!;

    /// <summary>
    /// A job for a spec that arrives ready-made (an MCP client's model wrote it): no question and no conversation, the
    /// given spec and <paramref name="source"/> as its translator, started at once in <c>validating</c> (attempt 1). The
    /// stages after it use <see cref="AdvanceAsync"/> and <see cref="FinishAsync"/> like any other job's.
    /// </summary>
    public Task<JobRecord> CreateForSpecAsync(Guid tenantId, string? userId, string source, string? specJson, DateTimeOffset asOf, CancellationToken ct) =>
        InsertReturningAsync(tenantId, db => db.Jobs.FromSql(
            $"""
            INSERT INTO analytics_jobs (tenant_id, user_id, translator, spec, as_of, status, started_at, attempts)
            VALUES ({tenantId}, {userId}::text, {source}, {specJson}::jsonb, {asOf}, {JobStatuses.Validating}, now(), 1)
            RETURNING *
            """), ct);

    /// <summary>The job, or null when there is none of this tenant's.</summary>
    public Task<JobRecord?> GetAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        InSessionAsync(tenantId, async db => Record(await ById(db, jobId, ct)), ct);

    /// <summary>Whether the tenant has the job (its id only: what the events stream checks before it follows the job's stream; one round trip).</summary>
    public Task<bool> ExistsAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId, "SELECT EXISTS (SELECT 1 FROM analytics_jobs WHERE id = $1)", [jobId],
            async (reader, token) => await reader.ReadAsync(token) && reader.GetBoolean(0), ct);

    /// <summary>
    /// Moves a queued job (or one a crashed worker left mid-run) to <c>translating</c> and counts the attempt; null when
    /// the job is final or cancelling, i.e. there is nothing to run.
    /// </summary>
    public Task<JobRecord?> TryStartAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        InSessionAsync(tenantId, async db =>
        {
            var started = await db.Jobs
                .Where(j => j.Id == jobId && JobStatuses.Stages.Contains(j.Status) && j.CancelRequestedAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatuses.Translating)
                    .SetProperty(j => j.StartedAt, j => j.StartedAt ?? DateTimeOffset.UtcNow)
                    .SetProperty(j => j.Attempts, j => j.Attempts + 1)
                    .SetProperty(j => j.Error, (string?)null), ct);
            return started == 0 ? null : Record(await ById(db, jobId, ct));
        }, ct);

    /// <summary>The spec of the newest earlier job of the conversation that has one (the follow-up's context).</summary>
    public Task<JsonNode?> PreviousSpecAsync(Guid tenantId, Guid conversationId, DateTimeOffset before, Guid excluding, CancellationToken ct) =>
        InSessionAsync(tenantId, async db => Json(await PreviousSpec(db, conversationId, before, excluding, ct)), ct);

    /// <summary>Moves a running job to the next stage, merging <paramref name="durations"/> and any values the stage produced.</summary>
    /// <remarks>One round trip (<see cref="TenantSession.OneTripAsync"/>): every stage of every cold question writes it.</remarks>
    public Task<bool> AdvanceAsync(Guid tenantId, Guid jobId, string status, StageUpdate update, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId,
            $"UPDATE analytics_jobs SET status = $2, {StageSet} WHERE id = $1 AND status = ANY($10) RETURNING 1",
            [.. StageParameters(jobId, status, update), JobStatuses.Running.ToArray()],
            async (reader, token) => await reader.ReadAsync(token), ct);

    /// <summary>Writes the final status once; false when the job was already final (nothing written).</summary>
    /// <remarks>One round trip, like <see cref="AdvanceAsync"/>.</remarks>
    public Task<bool> FinishAsync(Guid tenantId, Guid jobId, string status, StageUpdate update, CancellationToken ct) =>
        TenantSession.OneTripAsync(data.Runtime, tenantId,
            $"""
            UPDATE analytics_jobs SET status = $2, finished_at = now(), {StageSet},
                result = $10::jsonb, clarification = $11::jsonb, error = $12, cache_hit = $13
            WHERE id = $1 AND NOT (status = ANY($14))
            RETURNING 1
            """,
            [.. StageParameters(jobId, status, update), Text(update.Result), Text(update.Clarification), Text(update.Error),
                new NpgsqlParameter { Value = (object?)update.CacheHit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean }, JobStatuses.Final.ToArray()],
            async (reader, token) => await reader.ReadAsync(token), ct);

    /// <summary>Notes a failed attempt that will be retried (the job keeps its stage).</summary>
    public Task<bool> RecordErrorAsync(Guid tenantId, Guid jobId, string error, CancellationToken ct) =>
        InSessionAsync(tenantId, async db => await db.Jobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Error, error), ct) > 0, ct);

    /// <summary>
    /// A cancel request: a queued job is cancelled at once (<see cref="CancelOutcome.Cancelled"/>); a running one is marked
    /// for its worker to stop (<see cref="CancelOutcome.Requested"/>); a final one cannot be (<see cref="CancelOutcome.AlreadyFinal"/>).
    /// </summary>
    public Task<(CancelOutcome Outcome, JobRecord? Job)> RequestCancelAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        InSessionAsync(tenantId, async db =>
        {
            var cancelled = await db.Jobs
                .Where(j => j.Id == jobId && j.Status == JobStatuses.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatuses.Cancelled)
                    .SetProperty(j => j.CancelRequestedAt, j => DateTimeOffset.UtcNow)
                    .SetProperty(j => j.FinishedAt, j => DateTimeOffset.UtcNow)
                    .SetProperty(j => j.Error, "cancelled before it started"), ct);
            if (cancelled > 0)
            {
                return (CancelOutcome.Cancelled, Record(await ById(db, jobId, ct)));
            }

            var requested = await db.Jobs
                .Where(j => j.Id == jobId && JobStatuses.Running.Contains(j.Status))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequestedAt, j => j.CancelRequestedAt ?? DateTimeOffset.UtcNow), ct);
            var job = Record(await ById(db, jobId, ct));
            return requested > 0 ? (CancelOutcome.Requested, job) : (job is null ? CancelOutcome.NotFound : CancelOutcome.AlreadyFinal, job);
        }, ct);

    /// <summary>Whether someone asked to cancel the job.</summary>
    public Task<bool> CancelRequestedAsync(Guid tenantId, Guid jobId, CancellationToken ct) =>
        InSessionAsync(tenantId, db => CancelRequested(db, jobId, ct), ct);

    /// <summary>
    /// What a stage writes (<see cref="StageUpdate"/>), parameters $3–$9 after the job id ($1) and status ($2): its durations
    /// merged into the row's (<c>||</c>), and each value it produced; a value it did not produce (null) keeps the row's.
    /// </summary>
    private const string StageSet =
        """
        stage_durations = stage_durations || $3::jsonb, translator = coalesce($4, translator), spec = coalesce($5::jsonb, spec),
                sql = coalesce($6, sql), metric_versions = coalesce($7::jsonb, metric_versions), notes = coalesce($8::jsonb, notes),
                data_version = coalesce($9, data_version)
        """;

    private static object[] StageParameters(Guid jobId, string status, StageUpdate update) => [jobId, status, .. StageValues(update)];

    /// <summary>A stage's values in the order <see cref="StageSet"/> and the answered insert take them: durations, translator, spec, SQL, metric versions, notes, data version.</summary>
    private static object[] StageValues(StageUpdate update) =>
    [
        update.Durations, Text(update.Translator), Text(update.Spec), Text(update.Sql), Text(update.MetricVersions), Text(update.Notes),
        new NpgsqlParameter { Value = (object?)update.DataVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
    ];

    /// <summary>
    /// An insert whose values include the transaction's <c>now()</c> (started and finished with the row's creation), as one
    /// <c>INSERT ... RETURNING *</c> that EF maps onto <see cref="StoredJob"/> by column name (not composed, so run as written).
    /// </summary>
    private Task<JobRecord> InsertReturningAsync(Guid tenantId, Func<SpiralDbContext, IQueryable<StoredJob>> insert, CancellationToken ct) =>
        InSessionAsync(tenantId, async db => Record((await insert(db).AsAsyncEnumerable().ToListAsync(ct)).Single())!, ct);

    private async Task<T> InSessionAsync<T>(Guid tenantId, Func<SpiralDbContext, Task<T>> work, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using var db = SpiralDb.For(session);
        var value = await work(db);
        await session.CommitAsync(ct);
        return value;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static JsonNode? Json(string? text) => text is null ? null : JsonNode.Parse(text);

    private static JobRecord? Record(StoredJob? job) => job is null
        ? null
        : new JobRecord
        {
            Id = job.Id,
            TenantId = job.TenantId,
            UserId = job.UserId,
            ConversationId = job.ConversationId,
            Question = job.Question,
            Translator = job.Translator,
            Spec = Json(job.Spec),
            Sql = job.Sql,
            MetricVersions = Json(job.MetricVersions),
            Status = job.Status,
            CreatedAt = job.CreatedAt,
            StartedAt = job.StartedAt,
            FinishedAt = job.FinishedAt,
            StageDurations = Json(job.StageDurations),
            CacheHit = job.CacheHit,
            Result = Json(job.Result),
            Error = job.Error,
            AsOf = job.AsOf,
            CancelRequestedAt = job.CancelRequestedAt,
            Clarification = Json(job.Clarification),
            Notes = Json(job.Notes),
            Attempts = job.Attempts,
            DataVersion = job.DataVersion,
        };
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
