using System.Text;
using static SpiralAnalytics.Core.Bundles.BundleSchema;

namespace SpiralAnalytics.Core.Bundles;

/// <summary>Writes a <see cref="CsvBundle"/> as a bundle folder that <see cref="CsvBundleReader"/> reads back unchanged.</summary>
public static class CsvBundleWriter
{
    public static void Write(string directory, CsvBundle bundle)
    {
        Directory.CreateDirectory(directory);
        WriteFile(directory, Teams, TeamColumns, bundle.Teams, t => [t.Key, t.Name]);
        WriteFile(directory, Sprints, SprintColumns, bundle.Sprints, s =>
            [s.Key, s.TeamKey, s.Name, s.State, CellFormat.FormatInstant(s.StartAt), CellFormat.FormatInstant(s.EndAt), CellFormat.FormatInstant(s.CompletedAt), s.Goal]);
        WriteFile(directory, Issues, IssueColumns, bundle.Issues, i =>
            [i.Key, i.TeamKey, i.Type, i.Priority, i.Status, i.StatusCategory, i.Resolution, CellFormat.FormatDecimal(i.StoryPoints), i.Assignee,
             i.EpicKey, i.Labels.Count == 0 ? null : string.Join(';', i.Labels), CellFormat.FormatInstant(i.CreatedAt), CellFormat.FormatInstant(i.ResolvedAt)]);
        WriteFile(directory, SprintIssues, SprintIssueColumns, bundle.Memberships, m =>
            [m.SprintKey, m.IssueKey, CellFormat.FormatInstant(m.AddedAt), CellFormat.FormatInstant(m.RemovedAt), CellFormat.FormatBoolean(m.Committed),
             m.Outcome, CellFormat.FormatDecimal(m.PointsAtStart), CellFormat.FormatDecimal(m.PointsAtEnd)]);
        WriteFile(directory, Transitions, TransitionColumns, bundle.Transitions, t =>
            [t.IssueKey, CellFormat.FormatInstant(t.At), t.FromStatus, t.ToStatus, t.FromCategory, t.ToCategory]);
        WriteFile(directory, Blocks, BlockColumns, bundle.Blocks, b =>
            [b.IssueKey, CellFormat.FormatInstant(b.BlockedFrom), CellFormat.FormatInstant(b.BlockedTo)]);
        WriteFile(directory, Comments, CommentColumns, bundle.Comments, c => [c.IssueKey, c.Author, CellFormat.FormatInstant(c.CreatedAt)]);
    }

    private static void WriteFile<T>(string directory, string file, IReadOnlyList<string> columns, IReadOnlyList<T> rows, Func<T, string?[]> fields)
    {
        using var stream = new StreamWriter(Path.Combine(directory, file), append: false, new UTF8Encoding(false));
        var csv = new CsvWriter(stream);
        csv.WriteRecord(columns);
        foreach (var row in rows)
        {
            csv.WriteRecord(fields(row));
        }
    }
}
