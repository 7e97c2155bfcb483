using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Bundles;

/// <summary>The PostgreSQL type of a staged column; it decides the staging DDL and how COPY writes the cell.</summary>
public enum StageType
{
    Text,
    Numeric,
    TimestampTz,
    Boolean,
    TextArray,
}

/// <summary>
/// Where a key column's rows come from when another table names them: <see cref="Source"/> is joined as <see cref="Alias"/>
/// on <c>key</c> and yields <c>id</c>. <see cref="TenantScoped"/> sources are application tables (joined within the tenant);
/// the others are the key → id maps the importer builds once per load. <see cref="KeyedStage"/> is the staging table of the
/// referenced rows themselves.
/// </summary>
public sealed record KeyReference(string Source, string Alias, bool TenantScoped, string KeyedStage);

/// <summary>
/// One column of a bundle table: its bundle (and staging) name, type and nullability, and its part in the upsert — a
/// <see cref="IsKey"/> column is in the conflict target and never updated; a <see cref="Reference"/> column holds another
/// table's key, staged as text and written as that row's id into <see cref="TargetName"/>.
/// </summary>
public sealed record StageColumn(string Name, StageType Type, bool Nullable, bool IsKey, KeyReference? Reference, string TargetName)
{
    public string SqlType => Type switch
    {
        StageType.Text => "text",
        StageType.Numeric => "numeric",
        StageType.TimestampTz => "timestamptz",
        StageType.Boolean => "boolean",
        StageType.TextArray => "text[]",
        _ => throw new UnreachableException(),
    };
}

/// <summary>
/// The one description of a bundle table: from its columns come the staging table's DDL, the COPY column list, the upsert
/// and the prune. <see cref="BundleTables"/> lists them; nothing else spells a bundle table's columns for the database.
/// </summary>
public interface IBundleTable
{
    /// <summary>The application table (<c>sprint_issues</c>).</summary>
    string Table { get; }

    /// <summary>The temp table the rows are COPY'd into (<c>stage_sprint_issues</c>).</summary>
    string Stage { get; }

    IReadOnlyList<StageColumn> Columns { get; }

    /// <summary>The key → id map this table's keys are resolved into (<c>stage_sprint_ids</c>), for tables others reference.</summary>
    KeyReference? Resolved { get; }

    /// <summary>For a table whose rows belong to another's (memberships to sprints): the column naming the owner, for the prune.</summary>
    StageColumn? Owner { get; }

    string CreateStageSql { get; }

    string CopySql { get; }

    /// <summary>The upsert of the staged rows <c>$1 &lt; n &lt;= $2</c>, writing only new or changed rows, in the staged order.</summary>
    string UpsertSql { get; }

    /// <summary>
    /// Deletes the table's rows that belong to a sprint or issue the bundle holds but that the bundle does not hold; null for
    /// tables with no owner.
    /// </summary>
    string? PruneSql { get; }

    int Count(CsvBundle bundle);

    Task CopyAsync(TenantSession session, CsvBundle bundle, IProgress<LoadStep>? progress, CancellationToken ct);
}

/// <summary>A bundle table whose rows are <typeparamref name="TRow"/>; see <see cref="IBundleTable"/>.</summary>
public sealed class BundleTable<TRow> : IBundleTable
{
    private readonly Func<CsvBundle, IReadOnlyList<TRow>> _rows;
    private readonly IReadOnlyList<Action<NpgsqlBinaryImporter, TRow>> _writers;

    internal BundleTable(
        string table, string stage, Func<CsvBundle, IReadOnlyList<TRow>> rows, KeyReference? resolved, string? owner,
        params BundleColumn<TRow>[] columns)
    {
        Table = table;
        Stage = stage;
        _rows = rows;
        Resolved = resolved;
        Columns = [.. columns.Select(c => c.Column)];
        _writers = [.. columns.Select(c => c.Write)];
        Owner = owner is null ? null : Columns.Single(c => c.Name == owner);
        CreateStageSql = BundleSql.CreateStage(this);
        CopySql = BundleSql.Copy(this);
        UpsertSql = BundleSql.Upsert(this);
        PruneSql = Owner is null ? null : BundleSql.Prune(this, Owner);
    }

    public string Table { get; }

    public string Stage { get; }

    public IReadOnlyList<StageColumn> Columns { get; }

    public KeyReference? Resolved { get; }

    public StageColumn? Owner { get; }

    public string CreateStageSql { get; }

    public string CopySql { get; }

    public string UpsertSql { get; }

    public string? PruneSql { get; }

    public int Count(CsvBundle bundle) => _rows(bundle).Count;

    public async Task CopyAsync(TenantSession session, CsvBundle bundle, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        var rows = _rows(bundle);
        if (rows.Count == 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        await using (var importer = await session.Connection.BeginBinaryImportAsync(CopySql, ct))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                foreach (var write in _writers)
                {
                    write(importer, row);
                }
            }

            await importer.CompleteAsync(ct);
        }

        // A temp table has no statistics until analysed: without them the upsert's joins are planned as nested loops.
        await using (var analyze = session.Command($"ANALYZE {Stage}"))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync(ct);
        }

        progress?.Report(new LoadStep(Stage, LoadPhase.Copied, rows.Count, clock.Elapsed));
    }
}

/// <summary>A column and how COPY writes its cell from a row (typed, so no value is boxed).</summary>
internal sealed record BundleColumn<TRow>(StageColumn Column, Action<NpgsqlBinaryImporter, TRow> Write)
{
    public static BundleColumn<TRow> Text(string name, Func<TRow, string?> value, bool key = false, bool nullable = true) =>
        new(new StageColumn(name, StageType.Text, nullable, key, null, name), (w, r) =>
        {
            if (value(r) is { } v) { w.Write(v, NpgsqlDbType.Text); } else { w.WriteNull(); }
        });

    /// <summary>Another table's key, written as its id into <paramref name="target"/>.</summary>
    public static BundleColumn<TRow> Reference(string name, Func<TRow, string?> value, KeyReference source, string target, bool key = false, bool nullable = false) =>
        new(new StageColumn(name, StageType.Text, nullable, key, source, target), (w, r) =>
        {
            if (value(r) is { } v) { w.Write(v, NpgsqlDbType.Text); } else { w.WriteNull(); }
        });

    public static BundleColumn<TRow> Number(string name, Func<TRow, decimal?> value) =>
        new(new StageColumn(name, StageType.Numeric, true, false, null, name), (w, r) =>
        {
            if (value(r) is { } v) { w.Write(v, NpgsqlDbType.Numeric); } else { w.WriteNull(); }
        });

    public static BundleColumn<TRow> Instant(string name, Func<TRow, DateTimeOffset?> value, bool key = false, bool nullable = true) =>
        new(new StageColumn(name, StageType.TimestampTz, nullable, key, null, name), (w, r) =>
        {
            if (value(r) is { } v) { w.Write(v.UtcDateTime, NpgsqlDbType.TimestampTz); } else { w.WriteNull(); }
        });

    public static BundleColumn<TRow> Flag(string name, Func<TRow, bool?> value) =>
        new(new StageColumn(name, StageType.Boolean, true, false, null, name), (w, r) =>
        {
            if (value(r) is { } v) { w.Write(v, NpgsqlDbType.Boolean); } else { w.WriteNull(); }
        });

    public static BundleColumn<TRow> TextList(string name, Func<TRow, IReadOnlyList<string>> value) =>
        new(new StageColumn(name, StageType.TextArray, false, false, null, name),
            (w, r) => w.Write(value(r).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
}

/// <summary>
/// The bundle's tables in load order (a table's references are loaded before it), each described once. The column names are
/// the bundle's (<see cref="BundleSchema"/>), in its order; the application tables' columns have the same names, except that a
/// reference (<c>team_key</c>) becomes the id it resolves to (<c>team_id</c>).
/// </summary>
public static class BundleTables
{
    /// <summary>Teams, joined within the tenant (their ids are looked up where they are written).</summary>
    public static readonly KeyReference TeamIds = new("teams", "tm", TenantScoped: true, "stage_teams");

    /// <summary>The sprint key → id map of the load (built after sprints are upserted).</summary>
    public static readonly KeyReference SprintIds = new("stage_sprint_ids", "sp", TenantScoped: false, "stage_sprints");

    /// <summary>The issue key → id map of the load (built after issues are upserted).</summary>
    public static readonly KeyReference IssueIds = new("stage_issue_ids", "i", TenantScoped: false, "stage_issues");

    public static readonly BundleTable<TeamRow> Teams = new("teams", "stage_teams", b => b.Teams, null, null,
        BundleColumn<TeamRow>.Text("key", r => r.Key, key: true, nullable: false),
        BundleColumn<TeamRow>.Text("name", r => r.Name, nullable: false));

    public static readonly BundleTable<SprintRow> Sprints = new("sprints", "stage_sprints", b => b.Sprints, SprintIds, null,
        BundleColumn<SprintRow>.Text("key", r => r.Key, key: true, nullable: false),
        BundleColumn<SprintRow>.Reference("team_key", r => r.TeamKey, TeamIds, "team_id"),
        BundleColumn<SprintRow>.Text("name", r => r.Name, nullable: false),
        BundleColumn<SprintRow>.Text("state", r => r.State, nullable: false),
        BundleColumn<SprintRow>.Instant("start_at", r => r.StartAt),
        BundleColumn<SprintRow>.Instant("end_at", r => r.EndAt),
        BundleColumn<SprintRow>.Instant("completed_at", r => r.CompletedAt),
        BundleColumn<SprintRow>.Text("goal", r => r.Goal));

    public static readonly BundleTable<IssueRow> Issues = new("issues", "stage_issues", b => b.Issues, IssueIds, null,
        BundleColumn<IssueRow>.Text("key", r => r.Key, key: true, nullable: false),
        BundleColumn<IssueRow>.Reference("team_key", r => r.TeamKey, TeamIds, "team_id", nullable: true),
        BundleColumn<IssueRow>.Text("type", r => r.Type, nullable: false),
        BundleColumn<IssueRow>.Text("priority", r => r.Priority),
        BundleColumn<IssueRow>.Text("status", r => r.Status),
        BundleColumn<IssueRow>.Text("status_category", r => r.StatusCategory, nullable: false),
        BundleColumn<IssueRow>.Text("resolution", r => r.Resolution),
        BundleColumn<IssueRow>.Number("story_points", r => r.StoryPoints),
        BundleColumn<IssueRow>.Text("assignee", r => r.Assignee),
        BundleColumn<IssueRow>.Text("epic_key", r => r.EpicKey),
        BundleColumn<IssueRow>.TextList("labels", r => r.Labels),
        BundleColumn<IssueRow>.Instant("created_at", r => r.CreatedAt),
        BundleColumn<IssueRow>.Instant("resolved_at", r => r.ResolvedAt));

    public static readonly BundleTable<MembershipRow> Memberships = new("sprint_issues", "stage_sprint_issues", b => b.Memberships, null, "sprint_key",
        BundleColumn<MembershipRow>.Reference("sprint_key", r => r.SprintKey, SprintIds, "sprint_id", key: true),
        BundleColumn<MembershipRow>.Reference("issue_key", r => r.IssueKey, IssueIds, "issue_id", key: true),
        BundleColumn<MembershipRow>.Instant("added_at", r => r.AddedAt, key: true),
        BundleColumn<MembershipRow>.Instant("removed_at", r => r.RemovedAt),
        BundleColumn<MembershipRow>.Flag("committed", r => r.Committed),
        BundleColumn<MembershipRow>.Text("outcome", r => r.Outcome),
        BundleColumn<MembershipRow>.Number("points_at_start", r => r.PointsAtStart),
        BundleColumn<MembershipRow>.Number("points_at_end", r => r.PointsAtEnd));

    public static readonly BundleTable<TransitionRow> Transitions = new("issue_transitions", "stage_transitions", b => b.Transitions, null, "issue_key",
        BundleColumn<TransitionRow>.Reference("issue_key", r => r.IssueKey, IssueIds, "issue_id", key: true),
        BundleColumn<TransitionRow>.Instant("at", r => r.At, key: true, nullable: false),
        BundleColumn<TransitionRow>.Text("from_status", r => r.FromStatus),
        BundleColumn<TransitionRow>.Text("to_status", r => r.ToStatus, key: true, nullable: false),
        BundleColumn<TransitionRow>.Text("from_category", r => r.FromCategory),
        BundleColumn<TransitionRow>.Text("to_category", r => r.ToCategory, nullable: false));

    public static readonly BundleTable<BlockRow> Blocks = new("issue_blocks", "stage_blocks", b => b.Blocks, null, "issue_key",
        BundleColumn<BlockRow>.Reference("issue_key", r => r.IssueKey, IssueIds, "issue_id", key: true),
        BundleColumn<BlockRow>.Instant("blocked_from", r => r.BlockedFrom, key: true, nullable: false),
        BundleColumn<BlockRow>.Instant("blocked_to", r => r.BlockedTo));

    public static readonly BundleTable<CommentRow> Comments = new("comments", "stage_comments", b => b.Comments, null, "issue_key",
        BundleColumn<CommentRow>.Reference("issue_key", r => r.IssueKey, IssueIds, "issue_id", key: true),
        BundleColumn<CommentRow>.Text("author", r => r.Author, key: true),
        BundleColumn<CommentRow>.Instant("created_at", r => r.CreatedAt, key: true, nullable: false));

    /// <summary>Every bundle table, in load order.</summary>
    public static readonly IReadOnlyList<IBundleTable> All = [Teams, Sprints, Issues, Memberships, Transitions, Blocks, Comments];

    /// <summary>The tables whose keys others reference: their key → id maps are built once the tables are upserted.</summary>
    public static IEnumerable<IBundleTable> Referenced => All.Where(t => t.Resolved is not null);
}
