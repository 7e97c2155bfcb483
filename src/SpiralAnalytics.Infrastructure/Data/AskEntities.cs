using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// An <c>analytics_jobs</c> row (RLS). JSON columns travel as their text (<c>jsonb</c>); the store turns the row into a
/// <see cref="Ask.JobRecord"/>. Columns with a database default (id, created_at, stage_durations, notes, attempts) are
/// left to it when not set, and read back by the insert.
/// </summary>
public sealed class StoredJob
{
    public Guid TenantId { get; init; }

    public Guid Id { get; init; }

    public string? UserId { get; init; }

    public Guid? ConversationId { get; init; }

    public string? Question { get; init; }

    public string? Translator { get; init; }

    public string? Spec { get; init; }

    public string? Sql { get; init; }

    public string? MetricVersions { get; init; }

    public required string Status { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? StageDurations { get; init; }

    public bool? CacheHit { get; init; }

    public string? Result { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    public DateTimeOffset? CancelRequestedAt { get; init; }

    public string? Clarification { get; init; }

    public string? Notes { get; init; }

    public int Attempts { get; init; }

    public long? DataVersion { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredJob>
    {
        public void Configure(EntityTypeBuilder<StoredJob> e)
        {
            e.ToTable("analytics_jobs");
            e.HasKey(j => new { j.TenantId, j.Id });
            e.Property(j => j.Id).HasDefaultValueSql("gen_random_uuid()");
            e.Property(j => j.CreatedAt).HasDefaultValueSql("now()");
            // NOT NULL with a default: left to the database on insert; required, so `stage_durations || @durations` needs no COALESCE
            e.Property(j => j.StageDurations).IsRequired().HasDefaultValueSql("'{}'");
            e.Property(j => j.Notes).IsRequired().HasDefaultValueSql("'[]'");
            e.Property(j => j.Attempts).HasDefaultValueSql("0");
            SpiralDbContext.Jsonb(e, j => j.Spec, j => j.MetricVersions, j => j.StageDurations, j => j.Result, j => j.Clarification, j => j.Notes);
        }
    }
}

/// <summary>An <c>analytics_cache</c> row (RLS): one answer (the result object as JSON) by cache key and data version.</summary>
public sealed class StoredAnswer
{
    public Guid TenantId { get; init; }

    public required string CacheKey { get; init; }

    public required string Payload { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public long DataVersion { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredAnswer>
    {
        public void Configure(EntityTypeBuilder<StoredAnswer> e)
        {
            e.ToTable("analytics_cache");
            e.HasKey(a => new { a.TenantId, a.CacheKey });
            e.Property(a => a.CreatedAt).HasDefaultValueSql("now()");
            SpiralDbContext.Jsonb(e, a => a.Payload);
        }
    }
}

/// <summary>An <c>analytics_feedback</c> row (RLS): one user's rating of one job.</summary>
public sealed class StoredFeedback
{
    public Guid TenantId { get; init; }

    public Guid Id { get; init; }

    public Guid JobId { get; init; }

    public required string UserId { get; init; }

    public required string Rating { get; init; }

    public string? Comment { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredFeedback>
    {
        public void Configure(EntityTypeBuilder<StoredFeedback> e)
        {
            e.ToTable("analytics_feedback");
            e.HasKey(f => new { f.TenantId, f.Id });
            e.Property(f => f.Id).HasDefaultValueSql("gen_random_uuid()");
            e.Property(f => f.CreatedAt).HasDefaultValueSql("now()");
        }
    }
}
