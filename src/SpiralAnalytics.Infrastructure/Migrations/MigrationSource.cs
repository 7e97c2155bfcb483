using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SpiralAnalytics.Infrastructure.Migrations;

/// <summary>A migration script: its file name orders it; its checksum proves it unchanged once applied.</summary>
public sealed partial record Migration(string Name, string Sql)
{
    /// <summary>SHA-256 of the script with line ends normalised, so a checkout's line-end style does not count as an edit.</summary>
    public string Checksum =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal))));

    /// <summary>
    /// The checksums a database may have recorded for this script: its own, and every earlier text that a line
    /// <c>-- Supersedes checksum &lt;sha-256&gt;: why</c> names. A script is rewritten that way only when a later migration
    /// brings databases that applied the earlier text to the same schema (the rewrite and that migration go together).
    /// </summary>
    public IReadOnlySet<string> AcceptedChecksums =>
        new HashSet<string>(SupersedesLine().Matches(Sql).Select(m => m.Groups[1].Value).Append(Checksum), StringComparer.Ordinal);

    [GeneratedRegex(@"^-- Supersedes checksum ([0-9a-f]{64}):", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex SupersedesLine();
}

/// <summary>Where migrations come from: the scripts embedded in this assembly, or a folder of <c>*.sql</c> files.</summary>
public static class MigrationSource
{
    private const string Prefix = "migrations/";

    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(MigrationSource).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => new Migration(n[Prefix.Length..], Read(assembly, n)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    public static IReadOnlyList<Migration> FromDirectory(string directory) =>
        [.. Directory.GetFiles(directory, "*.sql")
            .Select(path => new Migration(Path.GetFileName(path), File.ReadAllText(path)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
