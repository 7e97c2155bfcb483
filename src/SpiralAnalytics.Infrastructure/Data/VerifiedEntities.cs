using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Pgvector;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>A <c>verified_questions</c> row (RLS): a question → spec pair, its state, and the question's embedding (<c>vector</c>, any width).</summary>
public sealed class StoredVerifiedQuestion
{
    public Guid TenantId { get; init; }

    public Guid Id { get; init; }

    public required string Question { get; init; }

    public required string QuestionNormalized { get; init; }

    public required string Spec { get; init; }

    public required string MetricVersions { get; init; }

    public required string State { get; init; }

    public string? TranslatorSpec { get; init; }

    public Vector? Embedding { get; init; }

    public string? EmbedderId { get; init; }

    public Guid? SourceJobId { get; init; }

    public string? ProposedBy { get; init; }

    public string? VerifiedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredVerifiedQuestion>
    {
        public void Configure(EntityTypeBuilder<StoredVerifiedQuestion> e)
        {
            e.ToTable("verified_questions");
            e.HasKey(v => new { v.TenantId, v.Id });
            e.Property(v => v.Id).HasDefaultValueSql("gen_random_uuid()");
            e.Property(v => v.CreatedAt).HasDefaultValueSql("now()");
            e.Property(v => v.UpdatedAt).HasDefaultValueSql("now()");
            e.Property(v => v.Embedding).HasColumnType("vector");
            SpiralDbContext.Jsonb(e, v => v.Spec, v => v.MetricVersions, v => v.TranslatorSpec);
        }
    }
}
