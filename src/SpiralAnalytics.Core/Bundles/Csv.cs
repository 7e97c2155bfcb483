using System.Text;

namespace SpiralAnalytics.Core.Bundles;

/// <summary>
/// One CSV record and the line of the file it starts on (1-based; the header is line 1). <see cref="Terminated"/> is false
/// for a last record the file ends inside (no line break after it): a file cut short ends that way.
/// </summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, bool Terminated = true);

/// <summary>A file that is not CSV at <see cref="Line"/> (an unclosed quote).</summary>
public sealed class CsvFormatException(int line, string problem) : FormatException($"line {line}: {problem}")
{
    public int Line { get; } = line;

    public string Problem { get; } = problem;

    /// <summary>The 0-based cell of the record the problem is in, when it is about one cell.</summary>
    public int? Field { get; init; }
}

/// <summary>
/// RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks. A field longer than
/// <paramref name="maxFieldLength"/> characters stops the read (a <see cref="CsvFormatException"/> naming its line), so a
/// hostile file cannot make one cell take all memory.
/// </summary>
public sealed class CsvReader(TextReader reader, int maxFieldLength = CsvReader.DefaultMaxFieldLength)
{
    public const int DefaultMaxFieldLength = 1 << 20;

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
                    throw new CsvFormatException(startLine, "a quoted field is not closed before the end of the file");
                }

                fields.Add(field.ToString());
                return new CsvRecord(startLine, fields, Terminated: false);
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

                    Append(field, ch, startLine, fields.Count, quoted);
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
                    Append(field, ch, startLine, fields.Count, quoted);
                    fieldStarted = true;
                    break;
            }
        }
    }

    private void Append(StringBuilder field, char ch, int line, int index, bool quoted)
    {
        if (field.Length >= maxFieldLength)
        {
            throw new CsvFormatException(line, quoted
                ? $"a quoted cell that starts on this line runs past {maxFieldLength} characters (is its closing quote missing?)"
                : $"the cell is longer than {maxFieldLength} characters") { Field = index };
        }

        field.Append(ch);
    }
}

/// <summary>Finds the first byte sequence of a file that is not UTF-8, and its line, before any of it is read as text.</summary>
public static class Utf8Lines
{
    /// <summary>Null when <paramref name="stream"/> is all UTF-8; else the 1-based line and byte of that line where it stops being so.</summary>
    public static (int Line, int Byte)? FirstInvalid(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        var chars = new char[buffer.Length + 1];
        var carried = 0;
        var line = 1;
        var lineStart = 0L;
        var offset = 0L; // of buffer[0] in the file
        while (true)
        {
            var read = stream.Read(buffer, carried, buffer.Length - carried);
            var length = carried + read;
            var final = read == 0;
            var status = System.Text.Unicode.Utf8.ToUtf16(buffer.AsSpan(0, length), chars, out var consumed, out _, replaceInvalidSequences: false, isFinalBlock: final);
            for (var i = 0; i < consumed; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line++;
                    lineStart = offset + i + 1;
                }
            }

            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                return (line, (int)(offset + consumed - lineStart) + 1);
            }

            if (final)
            {
                return null;
            }

            carried = length - consumed;
            Array.Copy(buffer, consumed, buffer, 0, carried);
            offset += consumed;
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
