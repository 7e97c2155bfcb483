using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>Settings of the tenant catalog (section <c>TenantCatalog</c>).</summary>
public sealed class TenantCatalogOptions
{
    public const string Section = "TenantCatalog";

    /// <summary>statement_timeout of the save-time check and dry run of a SQL metric.</summary>
    [Range(1, 300)]
    public int SqlCheckTimeoutSeconds { get; set; } = 10;
}

/// <summary>
/// Checks an admin's SQL metric with PostgreSQL itself, before anything is stored:
/// 1. lexically one statement (no <c>;</c> but a trailing one), so nothing can be appended;
/// 2. parsed by PostgreSQL as the body of a temporary view (runtime role, tenant set, statement timeout, rolled back):
///    a syntax error, an unknown name or a data-modifying statement is refused with the database's message and
///    position; the view's stored query tree then lists every relation and function the SELECT reaches — only the
///    tenant analytics views (<see cref="SqlMetricOutput.AllowedViews"/>) and non-volatile, parallel-safe functions pass
///    (no set_config, no query_to_xml, no sleeping); its columns must be the declared output;
/// 3. planned and dry-run over the tenant's data in a READ ONLY transaction as the runtime role with the tenant set and
///    the statement timeout: a timeout, a runtime error or sprint keys that are not the tenant's sprints (or repeat) are refused.
/// The same SQL later always runs as the runtime role under RLS, read-only, with the query statement timeout.
/// </summary>
public sealed partial class SqlMetricChecker(SpiralDataSources data, IOptions<TenantCatalogOptions> options)
{
    private const string CheckView = "spiral_sql_metric_check";
    private const string ViewPrefix = "CREATE TEMP VIEW " + CheckView + " AS\n";

    [GeneratedRegex(@":(?:funcid|opfuncid|aggfnoid|winfnoid) (\d+)")]
    private static partial Regex FunctionIds();

    [GeneratedRegex(@":relid (\d+)")]
    private static partial Regex RelationIds();

    private static readonly string[] NumericTypes = ["smallint", "integer", "bigint", "numeric", "real", "double precision"];

    public async Task<IReadOnlyList<CatalogProblem>> CheckAsync(Guid tenantId, LoadedMetric metric, CancellationToken ct)
    {
        var sql = Body(metric.Definition.Sql ?? "");
        var problems = new List<CatalogProblem>();
        if (Semicolon(sql) is { } at)
        {
            problems.Add(Problem(metric, at, "one SELECT statement only: ';' is not allowed inside a SQL metric"));
            return problems;
        }

        var timeout = (options.Value.SqlCheckTimeoutSeconds * 1000).ToString(CultureInfo.InvariantCulture);
        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            await SetTimeoutAsync(session, timeout, ct);
            try
            {
                await using var create = session.Command(ViewPrefix + sql);
                await create.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e)
            {
                problems.Add(Problem(metric, e.Position > ViewPrefix.Length ? e.Position - ViewPrefix.Length : null, Message(e)));
                return problems;
            }

            problems.AddRange(await ReachAsync(session, metric, ct));
            problems.AddRange(await OutputAsync(session, metric, ct));
            await session.Transaction.RollbackAsync(ct);
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        await using (var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct))
        {
            await using (var readOnly = session.Command("SET TRANSACTION READ ONLY"))
            {
                await readOnly.ExecuteNonQueryAsync(ct);
            }

            await SetTimeoutAsync(session, timeout, ct);
            try
            {
                await using (var explain = session.Command("EXPLAIN " + sql))
                {
                    await explain.ExecuteNonQueryAsync(ct);
                }

                await using var dryRun = session.Command(
                    $"""
                    SELECT count(*)::int, count(DISTINCT m.sprint_key)::int, count(m.value)::int,
                           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sprint_stats s WHERE s.sprint_key = m.sprint_key))::int,
                           (array_agg(m.sprint_key) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sprint_stats s WHERE s.sprint_key = m.sprint_key)))[1]
                    FROM (
                    {sql}
                    ) m
                    """);
                await using var reader = await dryRun.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                // count(m.value) makes the dry run compute every value (an unused column would be planned away).
                var (rows, distinct, unknown) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(3));
                if (unknown > 0)
                {
                    problems.Add(Problem(metric, null,
                        $"dry run: {unknown} row(s) have a sprint_key that is not one of this tenant's sprints (e.g. '{(reader.IsDBNull(4) ? "null" : reader.GetString(4))}')"));
                }
                else if (distinct < rows)
                {
                    problems.Add(Problem(metric, null, $"dry run: {rows} rows for {distinct} sprints; a SQL metric returns one row per sprint (GROUP BY sprint_key)"));
                }
            }
            catch (PostgresException e)
            {
                problems.Add(Problem(metric, null,
                    (e.SqlState == PostgresErrorCodes.QueryCanceled ? "dry run: " : "") + Message(e) +
                    (e.SqlState == PostgresErrorCodes.QueryCanceled ? $" (the check allows {options.Value.SqlCheckTimeoutSeconds} s over this tenant's data)" : "")));
            }
        }

        return problems;
    }

    /// <summary>The SQL as it is run: trailing whitespace and one trailing ';' removed.</summary>
    public static string Body(string sql)
    {
        var trimmed = sql.TrimEnd();
        return trimmed.EndsWith(';') ? trimmed[..^1].TrimEnd() : trimmed;
    }

    /// <summary>The 1-based position of the first ';' (anywhere, even in a literal: a metric never needs one), or null.</summary>
    private static int? Semicolon(string sql)
    {
        var at = sql.IndexOf(';', StringComparison.Ordinal);
        return at < 0 ? null : at + 1;
    }

    private static async Task SetTimeoutAsync(TenantSession session, string milliseconds, CancellationToken ct)
    {
        await using var command = session.Command("SELECT set_config('statement_timeout', $1, true)");
        command.Parameters.Add(new NpgsqlParameter { Value = milliseconds });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every relation and function in the view's stored query tree, checked against the allowed ones.</summary>
    private static async Task<IReadOnlyList<CatalogProblem>> ReachAsync(TenantSession session, LoadedMetric metric, CancellationToken ct)
    {
        string tree;
        long viewId;
        await using (var command = session.Command(
                         $"SELECT r.ev_action::text, r.ev_class::bigint FROM pg_rewrite r WHERE r.ev_class = '{CheckView}'::regclass"))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            tree = reader.GetString(0);
            viewId = reader.GetInt64(1);
        }

        var problems = new List<CatalogProblem>();
        var relations = RelationIds().Matches(tree).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Where(id => id != 0 && id != viewId).Distinct().ToArray();
        if (relations.Length > 0)
        {
            await using var command = session.Command(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::bigint[]::oid[]) ORDER BY 2");
            command.Parameters.Add(new NpgsqlParameter { Value = relations });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (schema, name) = (reader.GetString(0), reader.GetString(1));
                if (schema != "public" || !SqlMetricOutput.AllowedViews.Contains(name))
                {
                    problems.Add(Problem(metric, null,
                        $"reads '{(schema == "public" ? name : $"{schema}.{name}")}', which is not a tenant analytics view; a SQL metric may read only: {string.Join(", ", SqlMetricOutput.AllowedViews)}"));
                }
            }
        }

        var functions = FunctionIds().Matches(tree).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Where(id => id != 0).Distinct().ToArray();
        if (functions.Length > 0)
        {
            await using var command = session.Command(
                """
                SELECT p.proname, p.provolatile::text, p.proparallel::text, n.nspname
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE p.oid = ANY($1::bigint[]::oid[]) AND (p.provolatile = 'v' OR p.proparallel <> 's' OR n.nspname <> 'pg_catalog')
                ORDER BY 1
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = functions });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var why = reader.GetString(3) != "pg_catalog" ? "not a built-in function"
                    : reader.GetString(1) == "v" ? "volatile (it may change state or read outside the query)"
                    : "not parallel safe";
                problems.Add(Problem(metric, null, $"calls {reader.GetString(0)}(), which is {why}; a SQL metric may call only pure built-in functions"));
            }
        }

        return problems;
    }

    private static async Task<IReadOnlyList<CatalogProblem>> OutputAsync(TenantSession session, LoadedMetric metric, CancellationToken ct)
    {
        await using var command = session.Command(
            $"SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '{CheckView}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
        var columns = new List<(string Name, string Type)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var declared = metric.Definition.Output ?? [];
        if (!columns.Select(c => c.Name).SequenceEqual(declared, StringComparer.Ordinal))
        {
            return [new CatalogProblem(metric.File, metric.Lines.LineOf("output"), "output",
                $"the SELECT returns [{string.Join(", ", columns.Select(c => c.Name))}] but the metric declares [{string.Join(", ", declared)}]; name the columns with AS")];
        }

        var problems = new List<CatalogProblem>();
        foreach (var (name, type) in columns)
        {
            if (name == SqlMetricOutput.Value && !NumericTypes.Any(t => type.StartsWith(t, StringComparison.Ordinal)))
            {
                problems.Add(new CatalogProblem(metric.File, metric.Lines.LineOf("output"), "output", $"column 'value' is {type}; it must be a number"));
            }
            else if (name == SqlMetricOutput.SprintKey && type != "text")
            {
                problems.Add(new CatalogProblem(metric.File, metric.Lines.LineOf("output"), "output", $"column 'sprint_key' is {type}; it must be text (a sprint key)"));
            }
        }

        return problems;
    }

    /// <summary>The database's message, with its detail and hint when it gave them.</summary>
    private static string Message(PostgresException e) =>
        e.MessageText + (e.Detail is { Length: > 0 } detail ? $" ({detail})" : "") + (e.Hint is { Length: > 0 } hint ? $" Hint: {hint}" : "");

    /// <summary>A problem on the sql field; a 1-based character position in the SQL becomes its line and column.</summary>
    private static CatalogProblem Problem(LoadedMetric metric, int? position, string message)
    {
        var sqlLine = metric.Lines.LineOf("sql");
        if (position is not { } at || at < 1)
        {
            return new CatalogProblem(metric.File, sqlLine, "sql", message);
        }

        var sql = metric.Definition.Sql ?? "";
        var before = sql[..Math.Min(at - 1, sql.Length)];
        var line = before.Count(c => c == '\n') + 1;
        var column = before.Length - (before.LastIndexOf('\n') + 1) + 1;
        var near = sql.Split('\n')[line - 1].Trim();
        var fileLine = metric.Lines.LineOf("sql.text") + line - 1;
        return new CatalogProblem(metric.File, fileLine, "sql", $"{message} at line {line}, column {column} of the SQL: {near}");
    }
}
