using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Pgvector;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>
/// The application tables through EF Core, mapped onto the schema that <c>migrations/*.sql</c> defines (the SQL files stay its
/// one source: no EF migrations, see README "Data access"): the shipped catalog (<c>metrics</c>, <c>metric_versions</c>), the
/// tenant catalog (<c>tenant_metrics</c>, <c>tenant_metric_versions</c>, <c>tenant_metric_runs</c>; the latest
/// <c>tenant_metric_values</c> per metric through a window query mapped by column name), jobs, cached answers, feedback,
/// verified questions, alert rules, firings and deliveries. Column names are the properties' names in snake case unless
/// configured. A context is always made by <see cref="SpiralDb"/>:
/// over a <see cref="TenantSession"/>'s own connection and transaction (the tenant set there, RLS deciding what exists), or
/// over the runtime role without a tenant (tenant rows: none).
/// </summary>
public sealed class SpiralDbContext(DbContextOptions<SpiralDbContext> options) : DbContext(options)
{
    public DbSet<StoredMetric> Metrics => Set<StoredMetric>();

    public DbSet<StoredMetricVersion> MetricVersions => Set<StoredMetricVersion>();

    public DbSet<StoredTenantMetric> TenantMetrics => Set<StoredTenantMetric>();

    public DbSet<StoredTenantMetricVersion> TenantMetricVersions => Set<StoredTenantMetricVersion>();

    public DbSet<StoredTenantMetricRun> TenantMetricRuns => Set<StoredTenantMetricRun>();

    public DbSet<StoredJob> Jobs => Set<StoredJob>();

    public DbSet<StoredAnswer> Answers => Set<StoredAnswer>();

    public DbSet<StoredFeedback> Feedback => Set<StoredFeedback>();

    public DbSet<StoredVerifiedQuestion> VerifiedQuestions => Set<StoredVerifiedQuestion>();

    public DbSet<StoredAlertRule> AlertRules => Set<StoredAlertRule>();

    public DbSet<StoredAlertFiring> AlertFirings => Set<StoredAlertFiring>();

    public DbSet<StoredAlertDelivery> AlertDeliveries => Set<StoredAlertDelivery>();

    /// <summary>Maps JSON columns kept as their text onto <c>jsonb</c> (parameters are sent as jsonb, reads return the text).</summary>
    internal static void Jsonb<T>(EntityTypeBuilder<T> entity, params Expression<Func<T, string?>>[] columns)
        where T : class
    {
        foreach (var column in columns)
        {
            entity.Property(column).HasColumnType("jsonb");
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new StoredJob.Configuration());
        modelBuilder.ApplyConfiguration(new StoredAnswer.Configuration());
        modelBuilder.ApplyConfiguration(new StoredFeedback.Configuration());
        modelBuilder.ApplyConfiguration(new StoredVerifiedQuestion.Configuration());
        modelBuilder.ApplyConfiguration(new StoredAlertRule.Configuration());
        modelBuilder.ApplyConfiguration(new StoredAlertFiring.Configuration());
        modelBuilder.ApplyConfiguration(new StoredAlertDelivery.Configuration());
        modelBuilder.Entity<StoredMetric>(e =>
        {
            e.ToTable("metrics");
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasColumnName("name");
            e.Property(m => m.Category).HasColumnName("category");
            e.Property(m => m.Status).HasColumnName("status");
            e.Property(m => m.CurrentVersion).HasColumnName("current_version");
            e.Property(m => m.ReplacedBy).HasColumnName("replaced_by");
            e.Property(m => m.DeprecationReason).HasColumnName("deprecation_reason");
            e.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<StoredMetricVersion>(e =>
        {
            e.ToTable("metric_versions");
            e.HasKey(v => new { v.MetricName, v.Version });
            e.Property(v => v.MetricName).HasColumnName("metric_name");
            e.Property(v => v.Version).HasColumnName("version");
            e.Property(v => v.Definition).HasColumnName("definition").HasColumnType("jsonb");
            e.Property(v => v.Checksum).HasColumnName("checksum");
            e.Property(v => v.SearchText).HasColumnName("search_text");
            e.Property(v => v.Embedding).HasColumnName("embedding").HasColumnType("vector(384)");
            e.Property(v => v.EmbedderId).HasColumnName("embedder_id");
            e.Property(v => v.CreatedAt).HasColumnName("created_at");
        });
        modelBuilder.Entity<StoredTenantMetric>(e =>
        {
            e.ToTable("tenant_metrics");
            e.HasKey(m => new { m.TenantId, m.Name });
            e.Property(m => m.TenantId).HasColumnName("tenant_id");
            e.Property(m => m.Name).HasColumnName("name");
            e.Property(m => m.Status).HasColumnName("status");
            e.Property(m => m.CurrentVersion).HasColumnName("current_version");
            e.Property(m => m.ReplacedBy).HasColumnName("replaced_by");
            e.Property(m => m.ArchiveReason).HasColumnName("archive_reason");
            e.Property(m => m.CreatedBy).HasColumnName("created_by");
            e.Property(m => m.CreatedAt).HasColumnName("created_at");
            e.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<StoredTenantMetricVersion>(e =>
        {
            e.ToTable("tenant_metric_versions");
            e.HasKey(v => new { v.TenantId, v.MetricName, v.Version });
            e.Property(v => v.TenantId).HasColumnName("tenant_id");
            e.Property(v => v.MetricName).HasColumnName("metric_name");
            e.Property(v => v.Version).HasColumnName("version");
            e.Property(v => v.Definition).HasColumnName("definition").HasColumnType("jsonb");
            e.Property(v => v.Checksum).HasColumnName("checksum");
            e.Property(v => v.SearchText).HasColumnName("search_text");
            e.Property(v => v.Embedding).HasColumnName("embedding").HasColumnType("vector(384)");
            e.Property(v => v.EmbedderId).HasColumnName("embedder_id");
            e.Property(v => v.CreatedBy).HasColumnName("created_by");
            e.Property(v => v.CreatedAt).HasColumnName("created_at");
        });
        modelBuilder.Entity<StoredTenantMetricRun>(e =>
        {
            e.ToTable("tenant_metric_runs");
            e.HasKey(r => new { r.TenantId, r.MetricName });
            e.Property(r => r.TenantId).HasColumnName("tenant_id");
            e.Property(r => r.MetricName).HasColumnName("metric_name");
            e.Property(r => r.Version).HasColumnName("version");
            e.Property(r => r.Status).HasColumnName("status");
            e.Property(r => r.Error).HasColumnName("error");
            e.Property(r => r.RowCount).HasColumnName("row_count");
            e.Property(r => r.DurationMs).HasColumnName("duration_ms");
            e.Property(r => r.DataVersion).HasColumnName("data_version");
            e.Property(r => r.ComputedAt).HasColumnName("computed_at");
        });

        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
        {
            if (property.FindAnnotation(RelationalAnnotationNames.ColumnName) is null)
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}

/// <summary>A shipped metric's lifecycle (<c>metrics</c>); its content lives in its versions.</summary>
public sealed class StoredMetric
{
    public required string Name { get; init; }

    public required string Category { get; init; }

    public required string Status { get; init; }

    public required string CurrentVersion { get; init; }

    public string? ReplacedBy { get; init; }

    public string? DeprecationReason { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One immutable version of a shipped metric (<c>metric_versions</c>): canonical JSON, search text and embedding.</summary>
public sealed class StoredMetricVersion
{
    public required string MetricName { get; init; }

    public required string Version { get; init; }

    public required string Definition { get; init; }

    public required string Checksum { get; init; }

    public required string SearchText { get; init; }

    public Vector? Embedding { get; init; }

    public string? EmbedderId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The last computation of a tenant metric (<c>tenant_metric_runs</c>, RLS).</summary>
public sealed class StoredTenantMetricRun
{
    public Guid TenantId { get; init; }

    public required string MetricName { get; init; }

    public required string Version { get; init; }

    public required string Status { get; init; }

    public string? Error { get; init; }

    public int RowCount { get; init; }

    public int DurationMs { get; init; }

    public long DataVersion { get; init; }

    public DateTimeOffset ComputedAt { get; init; }
}

/// <summary>A tenant's own metric (<c>tenant_metrics</c>, RLS).</summary>
public sealed class StoredTenantMetric
{
    public Guid TenantId { get; init; }

    public required string Name { get; init; }

    public required string Status { get; init; }

    public required string CurrentVersion { get; init; }

    public string? ReplacedBy { get; init; }

    public string? ArchiveReason { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One immutable version of a tenant metric (<c>tenant_metric_versions</c>, RLS).</summary>
public sealed class StoredTenantMetricVersion
{
    public Guid TenantId { get; init; }

    public required string MetricName { get; init; }

    public required string Version { get; init; }

    public required string Definition { get; init; }

    public required string Checksum { get; init; }

    public required string SearchText { get; init; }

    public Vector? Embedding { get; init; }

    public string? EmbedderId { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
