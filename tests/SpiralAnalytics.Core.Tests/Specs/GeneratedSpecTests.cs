using System.Text.RegularExpressions;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Tests.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>
/// Thousands of seeded random specs: every valid one builds, reads only the tenant views (and its own CTEs), and no string value
/// reaches SQL text; hostile strings in every string field are either typed errors or parameters.
/// </summary>
public sealed partial class GeneratedSpecTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Members = new()
    {
        ["team"] = ["Team Phoenix", "Atlas Squad", "Orion Crew"],
        ["sprint"] = ["Sprint Forty-Two", "Sprint Forty-Three"],
        ["assignee"] = ["Ann Lee", "Bob Marley", "Zoë Ünïcode"],
        ["issue_type"] = ["Story", "Bug", "Task"],
        ["priority"] = ["Highest", "Medium", "Lowest"],
        ["epic"] = ["EPIC-1001", "EPIC-1002"],
    };

    [GeneratedRegex(@"(?<!DISTINCT )\b(?:FROM|JOIN)\s+(?:LATERAL\s+)?(?!LATERAL\b)([a-z_][a-z0-9_]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Relation();

    [GeneratedRegex(@"(?:^|WITH |,\n)([a-z_][a-z0-9_]*) AS \(", RegexOptions.Multiline)]
    private static partial Regex CteName();

    [Fact]
    public void A_thousand_generated_valid_specs_build_read_only_tenant_views_and_carry_values_as_parameters()
    {
        var generator = new SpecGenerator(SpecTestData.Catalog, 20240615, d => Members.GetValueOrDefault(d) ?? []);
        var views = AnalyticsModel.Views.Select(v => v.Name).Concat([AnalyticsModel.StoredZ, AnalyticsModel.StoredZDefinitions]).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < 1200; i++)
        {
            var spec = generator.Next();
            var json = SpecJson.Write(spec);
            Assert.Equal(json, SpecJson.Write(SpecTestData.Parse(json)));
            var errors = new SpecValidator(SpecTestData.Catalog).Errors(spec);
            Assert.True(errors.Count == 0, $"#{i} {json}: {string.Join("; ", errors)}");
            var built = QueryBuilder.Build(spec, SpecTestData.Catalog, TimeResolver.Resolve(spec.Time, SpecTestData.AsOf));
            AssertSafe(built, views, json);
            foreach (var value in spec.Filters.SelectMany(f => f.Values))
            {
                Assert.DoesNotContain(value, built.Sql, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void Hostile_strings_in_every_string_field_are_typed_errors_or_parameters()
    {
        var generator = new SpecGenerator(SpecTestData.Catalog, 7, d => Members.GetValueOrDefault(d) ?? []);
        var views = AnalyticsModel.Views.Select(v => v.Name).Concat([AnalyticsModel.StoredZ, AnalyticsModel.StoredZDefinitions]).ToHashSet(StringComparer.Ordinal);
        var rejected = 0;
        var parameters = 0;
        for (var i = 0; i < 13 * SpecGenerator.Hostile.Count * 2; i++)
        {
            var hostile = SpecGenerator.Hostile[i % SpecGenerator.Hostile.Count];
            var (field, spec) = SpecGenerator.Poison(generator.Next(), hostile, i / SpecGenerator.Hostile.Count);
            var json = SpecJson.Write(spec);
            var parsed = SpecJson.Parse(json);
            var errors = parsed.IsValid ? new SpecValidator(SpecTestData.Catalog).Errors(parsed.Spec!) : parsed.Errors;
            if (errors.Count > 0)
            {
                Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Path)));
                Assert.Contains(errors, e => e.Value is not null && (e.Value.Contains(hostile, StringComparison.Ordinal) || hostile.Contains(e.Value, StringComparison.Ordinal)));
                rejected++;
                continue;
            }

            // only values may pass validation (no tenant data checked here): they must travel as parameters
            Assert.Equal("filters.values", field);
            var built = QueryBuilder.Build(parsed.Spec!, SpecTestData.Catalog, TimeResolver.Resolve(parsed.Spec!.Time, SpecTestData.AsOf));
            AssertSafe(built, views, json);
            if (hostile != "$1")
            {
                // "$1" is itself a placeholder; that it travels as a value is asserted below
                Assert.DoesNotContain(hostile, built.Sql, StringComparison.Ordinal);
            }

            Assert.Contains(built.Parameters, p => p is string[] a && a.Contains(hostile));
            parameters++;
        }

        Assert.True(rejected > 200 && parameters > 0, $"rejected {rejected}, parameters {parameters}");
    }

    private static void AssertSafe(BuiltQuery built, HashSet<string> views, string json)
    {
        var ctes = CteName().Matches(built.Sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        foreach (Match match in Relation().Matches(built.Sql))
        {
            var relation = match.Groups[1].Value;
            // generate_series makes the buckets of a series without holes: a function of parameters, not a relation; unnest lists
            // a rollup row's issue values (a function of that row)
            Assert.True(views.Contains(relation) || ctes.Contains(relation) || relation is "generate_series" or "unnest", $"{json}: reads '{relation}'\n{built.Sql}");
        }

        Assert.DoesNotContain(";", built.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("--", built.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("/*", built.Sql, StringComparison.Ordinal);
        var placeholders = Regex.Matches(built.Sql, @"\$(\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(Enumerable.Range(1, built.Parameters.Count).ToHashSet(), placeholders);
    }
}
