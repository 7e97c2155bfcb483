using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>An <c>alert_rules</c> row (RLS): spec and condition as JSON, the webhook and its signing secret.</summary>
public sealed class StoredAlertRule
{
    public Guid TenantId { get; init; }

    public Guid Id { get; init; }

    public required string Name { get; init; }

    public required string Spec { get; init; }

    public required string Condition { get; init; }

    public string? WebhookUrl { get; init; }

    public required string Secret { get; init; }

    public bool Enabled { get; init; }

    public string? Question { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredAlertRule>
    {
        public void Configure(EntityTypeBuilder<StoredAlertRule> e)
        {
            e.ToTable("alert_rules");
            e.HasKey(r => new { r.TenantId, r.Id });
            e.Property(r => r.Id).HasDefaultValueSql("gen_random_uuid()");
            e.Property(r => r.CreatedAt).HasDefaultValueSql("now()");
            e.Property(r => r.UpdatedAt).HasDefaultValueSql("now()");
            SpiralDbContext.Jsonb(e, r => r.Spec, r => r.Condition);
        }
    }
}

/// <summary>An <c>alert_firings</c> row (RLS): a rule fired for one team's period, once; its delivery state.</summary>
public sealed class StoredAlertFiring
{
    public Guid TenantId { get; init; }

    public Guid Id { get; init; }

    public Guid RuleId { get; init; }

    public required string PeriodKey { get; init; }

    public required string Team { get; init; }

    public required string Sprint { get; init; }

    public double? Value { get; init; }

    public double? Z { get; init; }

    public required string Detail { get; init; }

    public DateTimeOffset FiredAt { get; init; }

    public required string DeliveryState { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredAlertFiring>
    {
        public void Configure(EntityTypeBuilder<StoredAlertFiring> e)
        {
            e.ToTable("alert_firings");
            e.HasKey(f => new { f.TenantId, f.Id });
            e.Property(f => f.Id).HasDefaultValueSql("gen_random_uuid()");
            e.Property(f => f.FiredAt).HasDefaultValueSql("now()");
            SpiralDbContext.Jsonb(e, f => f.Detail);
        }
    }
}

/// <summary>An <c>alert_deliveries</c> row (RLS): one webhook attempt of a firing.</summary>
public sealed class StoredAlertDelivery
{
    public Guid TenantId { get; init; }

    public long Id { get; init; }

    public Guid FiringId { get; init; }

    public int Attempt { get; init; }

    public DateTimeOffset At { get; init; }

    public required string Url { get; init; }

    public int? StatusCode { get; init; }

    public required string Outcome { get; init; }

    public string? Error { get; init; }

    public double DurationMs { get; init; }

    internal sealed class Configuration : IEntityTypeConfiguration<StoredAlertDelivery>
    {
        public void Configure(EntityTypeBuilder<StoredAlertDelivery> e)
        {
            e.ToTable("alert_deliveries");
            e.HasKey(d => new { d.TenantId, d.Id });
            e.Property(d => d.Id).UseIdentityAlwaysColumn();
            e.Property(d => d.At).HasDefaultValueSql("now()");
        }
    }
}
