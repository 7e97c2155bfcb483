using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Infrastructure.Bundles;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Bundles;

/// <summary>
/// The exact SQL every bundle table's descriptor produces (staging DDL, COPY, upsert, prune, key → id maps), compared with the
/// checked-in text in Bundles/Baselines, so a change to a descriptor or to <see cref="BundleSql"/> shows as a readable diff.
/// After a conscious change: SPIRAL_DUMP_BASELINES=1 dotnet test --filter BundleSqlBaselineTests rewrites the files; review the diff.
/// </summary>
public sealed class BundleSqlBaselineTests
{
    private static string BaselineDirectory => Path.Combine(RepoPaths.Root, "tests", "SpiralAnalytics.Integration.Tests", "Bundles", "Baselines");

    public static TheoryData<string> Tables => new(BundleTables.All.Select(t => t.Table));

    [Theory]
    [MemberData(nameof(Tables))]
    public void Generated_sql_equals_the_baseline(string table)
    {
        var actual = Describe(BundleTables.All.Single(t => t.Table == table));
        var path = Path.Combine(BaselineDirectory, table + ".sql");
        if (Environment.GetEnvironmentVariable("SPIRAL_DUMP_BASELINES") is { Length: > 0 })
        {
            File.WriteAllText(path, actual);
        }

        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void The_key_to_id_maps_equal_the_baseline()
    {
        var actual = string.Join("\n\n", BundleTables.Referenced.Select(t => BundleSql.ResolveIds(t, BundleTables.All))) + "\n";
        var path = Path.Combine(BaselineDirectory, "key_maps.sql");
        if (Environment.GetEnvironmentVariable("SPIRAL_DUMP_BASELINES") is { Length: > 0 })
        {
            File.WriteAllText(path, actual);
        }

        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void Every_table_stages_exactly_the_bundle_files_columns_in_order()
    {
        var schema = new Dictionary<string, IReadOnlyList<string>>
        {
            ["teams"] = BundleSchema.TeamColumns,
            ["sprints"] = BundleSchema.SprintColumns,
            ["issues"] = BundleSchema.IssueColumns,
            ["sprint_issues"] = BundleSchema.SprintIssueColumns,
            ["issue_transitions"] = BundleSchema.TransitionColumns,
            ["issue_blocks"] = BundleSchema.BlockColumns,
            ["comments"] = BundleSchema.CommentColumns,
        };

        Assert.Equal(schema.Keys.Order(), BundleTables.All.Select(t => t.Table).Order());
        foreach (var table in BundleTables.All)
        {
            Assert.Equal(schema[table.Table], table.Columns.Select(c => c.Name));
        }
    }

    [Fact]
    public void A_table_is_loaded_after_every_table_it_references()
    {
        var loaded = new List<IBundleTable>();
        foreach (var table in BundleTables.All)
        {
            foreach (var reference in table.Columns.Select(c => c.Reference).OfType<KeyReference>())
            {
                Assert.Contains(loaded, t => t.Stage == reference.KeyedStage);
            }

            loaded.Add(table);
        }
    }

    [Fact]
    public void A_table_whose_columns_are_all_key_is_inserted_and_never_updated()
    {
        Assert.EndsWith("DO NOTHING", BundleTables.Comments.UpsertSql, StringComparison.Ordinal);
        Assert.Contains("DO UPDATE SET", BundleTables.Issues.UpsertSql, StringComparison.Ordinal);
    }

    private static string Describe(IBundleTable table) =>
        $"""
        -- staging
        {table.CreateStageSql};

        -- copy
        {table.CopySql};

        -- upsert
        {table.UpsertSql};

        -- prune
        {table.PruneSql ?? "(none: no owner)"};

        """.ReplaceLineEndings("\n");
}
