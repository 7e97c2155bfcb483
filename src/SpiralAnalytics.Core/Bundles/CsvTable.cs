namespace SpiralAnalytics.Core.Bundles;

/// <summary>
/// One bundle file opened for reading: checks the header and hands out rows whose typed getters
/// record a located <see cref="BundleError"/> for every bad cell instead of throwing.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;
    private readonly IReadOnlyList<string> _header;
    private readonly IEnumerable<CsvRecord> _records;

    private CsvTable(string file, Dictionary<string, int> columns, IReadOnlyList<string> header, IEnumerable<CsvRecord> records, BundleProblems problems)
    {
        File = file;
        _columns = columns;
        _header = header;
        _records = records;
        Problems = problems;
    }

    public string File { get; }

    /// <summary>False when reading stopped before the end of the file (an unclosed quote, a cell past any length).</summary>
    public bool Complete { get; private set; } = true;

    internal BundleProblems Problems { get; }

    /// <summary>Opens <paramref name="file"/> from <paramref name="text"/>; null when the header is unusable (errors recorded).</summary>
    public static CsvTable? Open(string file, TextReader text, IReadOnlyList<string> known, IReadOnlyCollection<string> required, BundleProblems problems)
    {
        var records = new CsvReader(text, BundleSchema.MaxTextLength).ReadAll().GetEnumerator();
        try
        {
            if (!records.MoveNext())
            {
                problems.Error(file, 1, null, "the file is empty: a header row is required");
                return null;
            }
        }
        catch (CsvFormatException e)
        {
            problems.Error(file, e.Line, null, e.Problem);
            return null;
        }

        var header = records.Current.Fields.Select(h => h.Trim().TrimStart('\uFEFF').Trim()).ToList();
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        var usable = true;
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i];
            var at = $"column {i + 1} of the header";
            if (name.Length == 0)
            {
                problems.Error(file, 1, null, $"{at} has no name (every column needs one; is there a stray comma?)");
                usable = false;
            }
            else if (name.Length > BundleSchema.MaxCellLength || name.Contains('\0', StringComparison.Ordinal))
            {
                problems.Error(file, 1, null, $"{at} is not a column name ('{Quote(name)}')");
                usable = false;
            }
            else if (!columns.TryAdd(name, i))
            {
                problems.Error(file, 1, name, $"column '{name}' appears twice in the header");
                usable = false;
            }
            else if (!known.Contains(name))
            {
                problems.Warn($"{file}: unknown column '{name}' is ignored");
            }
        }

        if (!records.Current.Terminated)
        {
            problems.Error(file, 1, null, "the file ends inside its header (no line break after it): was it cut short?");
            usable = false;
        }

        var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
        foreach (var column in missing)
        {
            problems.Error(file, 1, column, $"required column '{column}' is missing");
        }

        return missing.Count > 0 || !usable ? null : new CsvTable(file, columns, header, Rest(records), problems);
    }

    /// <summary>At most 40 characters of a cell quoted back, control characters escaped.</summary>
    internal static string Quote(string text) => Specs.SpecLimits.Quote(text);

    private static IEnumerable<CsvRecord> Rest(IEnumerator<CsvRecord> records)
    {
        using (records)
        {
            while (records.MoveNext())
            {
                yield return records.Current;
            }
        }
    }

    /// <summary>
    /// Maps each non-blank row. Rows with a bad cell are reported and still returned, so their keys count for
    /// duplicate and reference checks (one bad cell gives one error, not a cascade); any error rejects the bundle.
    /// Every row must have exactly the header's cells (a short or long row is one error, and its cells are not judged
    /// one by one: they are misaligned), every cell fits its column's length and holds no NUL, and the last row must
    /// end with a line break — a file that ends inside a row was cut short, and is refused.
    /// </summary>
    public List<T> Rows<T>(Func<CsvRow, T> map)
    {
        var result = new List<T>();
        IEnumerator<CsvRecord> records;
        try
        {
            records = _records.GetEnumerator();
        }
        catch (FormatException e)
        {
            Problems.Error(File, null, null, e.Message);
            return result;
        }

        using (records)
        {
            while (true)
            {
                try
                {
                    if (!records.MoveNext())
                    {
                        break;
                    }
                }
                catch (CsvFormatException e)
                {
                    var column = e.Field is { } i && i < _header.Count ? _header[i] : null;
                    Problems.Error(File, e.Line, column, column is null ? e.Problem : $"{column}: {e.Problem}");
                    Complete = false;
                    break;
                }

                var record = records.Current;
                if (record.Fields.Count == 1 && record.Fields[0].Length == 0)
                {
                    continue;
                }

                var aligned = record.Fields.Count == _header.Count;
                if (!record.Terminated)
                {
                    Problems.Error(File, record.Line, null,
                        $"the file ends inside this row (no line break after it{(aligned ? "" : $"; {record.Fields.Count} of {_header.Count} cells")}): was it cut short?");
                }
                else if (!aligned)
                {
                    Problems.Error(File, record.Line, null,
                        $"the row has {record.Fields.Count} cells; the header has {_header.Count} (an unquoted comma, or a missing or extra cell?)");
                }
                else
                {
                    CheckCells(record);
                }

                result.Add(map(new CsvRow(this, record, muted: !aligned || !record.Terminated)));
            }
        }

        return result;
    }

    private void CheckCells(CsvRecord record)
    {
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var cell = record.Fields[i];
            var column = _header[i];
            var max = _columns.GetValueOrDefault(column, -1) == i ? BundleSchema.MaxLength(column) : BundleSchema.MaxTextLength;
            if (cell.Length > max)
            {
                Problems.Error(File, record.Line, column, $"{column}: the cell is {cell.Length} characters long; at most {max} are allowed ('{Quote(cell)}')");
            }
            else if (cell.Contains('\0', StringComparison.Ordinal))
            {
                Problems.Error(File, record.Line, column, $"{column}: the cell holds a NUL character at position {cell.IndexOf('\0', StringComparison.Ordinal) + 1}");
            }
        }
    }

    internal string? Cell(CsvRecord record, string column) =>
        _columns.TryGetValue(column, out var i) && i < record.Fields.Count && record.Fields[i].Length > 0
            ? record.Fields[i].Trim()
            : null;
}

/// <summary>A row of a <see cref="CsvTable"/>: typed getters that report bad cells with file, line and column.</summary>
public sealed class CsvRow(CsvTable table, CsvRecord record, bool muted = false)
{
    public int Line => record.Line;

    public string? Text(string column) => table.Cell(record, column);

    public string Required(string column)
    {
        var value = Text(column);
        if (value is null)
        {
            Fail(column, $"{column} is required");
            return "";
        }

        return value;
    }

    public DateTimeOffset? Instant(string column)
    {
        var text = Text(column);
        if (text is null)
        {
            return null;
        }

        if (CellFormat.TryParseInstant(text, out var value))
        {
            return value;
        }

        Fail(column, $"{column} '{text}' is not a date (expected ISO 8601, e.g. 2024-03-01 or 2024-03-01T09:30:00Z)");
        return null;
    }

    public DateTimeOffset RequiredInstant(string column)
    {
        if (Text(column) is null)
        {
            Fail(column, $"{column} is required");
            return default;
        }

        return Instant(column) ?? default;
    }

    /// <summary>
    /// An estimate. Negative values are kept (Jira's sprint report counts them). With <paramref name="snapshot"/>,
    /// an unreadable value is a lost snapshot: reported as a warning and read as empty, which falls back to the
    /// issue's own story points; otherwise it rejects the row.
    /// </summary>
    public decimal? Points(string column, bool snapshot = false)
    {
        var text = Text(column);
        if (text is null)
        {
            return null;
        }

        if (CellFormat.TryParseDecimal(text, out var value))
        {
            return value;
        }

        if (snapshot && !muted)
        {
            table.Problems.Warn($"{table.File}:{record.Line}: {column} '{text}' is not a number; read as empty (falls back to issues.story_points)");
        }
        else
        {
            Fail(column, $"{column} '{text}' is not a number");
        }

        return null;
    }

    public bool? Boolean(string column)
    {
        var text = Text(column);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Fail(column, $"{column} '{text}' is not a boolean (true or false)");
        return null;
    }

    /// <summary>An enumeration value, matched case-insensitively and returned in its canonical spelling.</summary>
    public string? OneOf(string column, IReadOnlyList<string> allowed, bool required = false)
    {
        var text = required ? Required(column) : Text(column);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Fail(column, $"{column} '{text}' is not one of {string.Join(", ", allowed)}");
        }

        return match;
    }

    public IReadOnlyList<string> List(string column) =>
        Text(column) is { } text
            ? text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    /// <summary>Records a located error; a row already reported as misaligned or cut short (muted) adds no cell errors.</summary>
    public void Fail(string? column, string message)
    {
        if (!muted)
        {
            table.Problems.Error(table.File, record.Line, column, message);
        }
    }
}
