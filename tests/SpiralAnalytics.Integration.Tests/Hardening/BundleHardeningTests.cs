using System.Text;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>
/// Issue #13, parts 2 and 6, through <c>spiral import csv</c>: a cut, misaligned or hostile file of the real bundle is
/// refused with <c>file:line</c> before anything reaches the database, and the tenant's data stays exactly as it was.
/// </summary>
public sealed class BundleHardeningTests(PostgresServer server)
{
    /// <summary>Writes a copy of the real bundle whose <paramref name="file"/> is replaced by the bytes <paramref name="edit"/> makes of it.</summary>
    private static string Broken(string file, Func<byte[], byte[]> edit)
    {
        var dir = TestData.CopyBundle(RepoPaths.JiraSprintReports);
        var path = Path.Combine(dir, file);
        File.WriteAllBytes(path, edit(File.ReadAllBytes(path)));
        return dir;
    }

    private static Func<byte[], byte[]> Text(Func<string, string> edit) => bytes => Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(bytes)));

    public static TheoryData<string, string> Cases() => new()
    {
        // cut in the middle of the last row (the issue: the row imported with its assignee cut and later cells cleared)
        { "truncated", "issues.csv:3432: the file ends inside this row (no line break after it; 9 of 13 cells): was it cut short?" },
        { "no-final-line-break", "issues.csv:3432: the file ends inside this row (no line break after it): was it cut short?" },
        { "extra-cells", "issues.csv:2: the row has 16 cells; the header has 13" },
        { "short-row", "sprints.csv:3: the row has 4 cells; the header has 8" },
        { "open-quote", "issues.csv:3: key: a quoted cell that starts on this line runs past 10000 characters (is its closing quote missing?)" },
        { "huge-key", "teams.csv:3: key: the cell is longer than 10000 characters" },
        { "nul", "teams.csv:2: name: the cell holds a NUL character" },
        { "latin1", "teams.csv:6: the file is not valid UTF-8" },
        { "empty-header", "teams.csv:1: column 2 of the header has no name" },
    };

    private static string Make(string name) => name switch
    {
        "truncated" => Broken("issues.csv", Text(t =>
        {
            var lines = t.TrimEnd('\n').Split('\n');
            lines[^1] = string.Join(',', lines[^1].Split(',').Take(7)) + ",8,Sa";
            return string.Join('\n', lines);
        })),
        "no-final-line-break" => Broken("issues.csv", Text(t => t.TrimEnd('\n'))),
        "extra-cells" => Broken("issues.csv", Text(t => t.Replace("XD-6,XD,Story,Minor,Done,done,,3,David Turanski,,,,", "XD-6,XD,Story,Minor,Done,done,,3,David Turanski,,,,,a,b,c", StringComparison.Ordinal))),
        "short-row" => Broken("sprints.csv", Text(t =>
        {
            var lines = t.Split('\n');
            lines[2] = string.Join(',', lines[2].Split(',').Take(4));
            return string.Join('\n', lines);
        })),
        "open-quote" => Broken("issues.csv", Text(t =>
        {
            var lines = t.Split('\n');
            lines[2] = "\"" + lines[2];
            return string.Join('\n', lines);
        })),
        "huge-key" => Broken("teams.csv", Text(t => t.Replace("\nMESOS,", "\n" + new string('K', 1_000_000) + ",", StringComparison.Ordinal))),
        "nul" => Broken("teams.csv", Text(t => t.Replace("Spring XD", "Spring\0XD", StringComparison.Ordinal))),
        "latin1" => Broken("teams.csv", bytes => [.. Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).TrimEnd('\n') + "\nCAFE,Caf"), 0xE9, (byte)'\n']),
        "empty-header" => Broken("teams.csv", Text(t => "key,,name\n" + string.Join('\n', t.Split('\n').Skip(1).Select(l => l.Length == 0 ? l : l.Replace(",", ",x,", StringComparison.Ordinal))))),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_broken_bundle_is_refused_at_its_line_and_changes_nothing(string name, string expected)
    {
        var db = await server.DatabaseAsync(nameof(BundleHardeningTests));
        var slug = TestData.NewSlug("brk");
        var tenant = await TestData.CreateTenantAsync(db, slug);
        Assert.Equal(0, (await TestData.CliAsync(db, "import", "csv", SmallBundle.Write(), "--tenant", slug)).ExitCode);
        var before = await TestData.FingerprintAsync(db, tenant);

        var run = await TestData.CliAsync(db, "import", "csv", Make(name), "--tenant", slug);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
        Assert.True(run.Error.Length < 20_000, $"{run.Error.Length} characters of errors");
        Assert.Equal(before, await TestData.FingerprintAsync(db, tenant));
    }
}
