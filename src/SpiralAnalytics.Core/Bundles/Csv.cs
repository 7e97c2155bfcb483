using System.Text;

namespace SpiralAnalytics.Core.Bundles;

/// <summary>One CSV record and the line of the file it starts on (1-based; the header is line 1).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks.</summary>
public sealed class CsvReader(TextReader reader)
{
    private int _line = 1;

    public IEnumerable<CsvRecord> ReadAll()
    {
        while (ReadRecord() is { } record)
        {
            yield return record;
        }
    }

    private CsvRecord? ReadRecord()
    {
        if (reader.Peek() < 0)
        {
            return null;
        }

        var startLine = _line;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var fieldStarted = false;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                if (quoted)
                {
                    throw new FormatException($"line {startLine}: a quoted field is not closed before the end of the file");
                }

                fields.Add(field.ToString());
                return new CsvRecord(startLine, fields);
            }

            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        _line++;
                    }

                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when !fieldStarted:
                    quoted = true;
                    fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    _line++;
                    fields.Add(field.ToString());
                    return new CsvRecord(startLine, fields);
                default:
                    field.Append(ch);
                    fieldStarted = true;
                    break;
            }
        }
    }
}

/// <summary>Writes RFC 4180 CSV with "\n" line ends, quoting only where needed.</summary>
public sealed class CsvWriter(TextWriter writer)
{
    public void WriteRecord(IEnumerable<string?> fields)
    {
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                writer.Write(',');
            }

            first = false;
            if (field is null)
            {
                continue;
            }

            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                writer.Write('"');
                writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
                writer.Write('"');
            }
            else
            {
                writer.Write(field);
            }
        }

        writer.Write('\n');
    }
}
