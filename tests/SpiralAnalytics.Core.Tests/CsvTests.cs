using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Core.Tests;

public sealed class CsvTests
{
    private static List<CsvRecord> Read(string text) => [.. new CsvReader(new StringReader(text)).ReadAll()];

    [Fact]
    public void Quoted_fields_keep_commas_quotes_and_line_breaks_and_lines_are_counted_from_the_record_start()
    {
        var records = Read("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,row\n");

        Assert.Equal(4, records.Count);
        Assert.Equal(["x, y", "say \"hi\""], records[1].Fields);
        Assert.Equal(2, records[1].Line);
        Assert.Equal(["two\nlines", "z"], records[2].Fields);
        Assert.Equal(3, records[2].Line);
        Assert.Equal(5, records[3].Line);
    }

    [Fact]
    public void Crlf_line_ends_and_a_missing_final_newline_read_the_same()
    {
        Assert.Equal(
            Read("a,b\n1,2\n").Select(r => string.Join('|', r.Fields)),
            Read("a,b\r\n1,2").Select(r => string.Join('|', r.Fields)));
    }

    [Fact]
    public void An_unclosed_quote_is_an_error_naming_the_line_it_opened_on()
    {
        var error = Assert.Throws<CsvFormatException>(() => Read("a,b\n1,2\n\"open,3\n4,5\n"));
        Assert.Equal("line 3: a quoted field is not closed before the end of the file", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Written_records_read_back_identically()
    {
        var writer = new StringWriter();
        var fields = new[] { "plain", "with, comma", "with \"quote\"", "multi\nline", "", null };
        new CsvWriter(writer).WriteRecord(fields);

        var back = Read(writer.ToString()).Single().Fields;

        Assert.Equal(fields.Select(f => f ?? ""), back);
    }

    [Theory]
    [InlineData("2024-03-01", "2024-03-01T00:00:00.0000000+00:00")]
    [InlineData("2024-03-01T09:30:00Z", "2024-03-01T09:30:00.0000000+00:00")]
    [InlineData("2024-03-01T09:30:00+02:00", "2024-03-01T07:30:00.0000000+00:00")]
    [InlineData("2024-03-01 09:30:00", "2024-03-01T09:30:00.0000000+00:00")]
    [InlineData("2024-03-01T09:30:00.123-05:00", "2024-03-01T14:30:00.1230000+00:00")]
    public void Instants_without_an_offset_are_utc_and_offsets_are_converted(string text, string expected)
    {
        Assert.True(CellFormat.TryParseInstant(text, out var value));
        Assert.Equal(expected, value.ToString("O"));
    }

    [Theory]
    [InlineData("2024-13-01")]
    [InlineData("01/03/2024")]
    [InlineData("March 1, 2024")]
    [InlineData("2024-02-30")]
    [InlineData("yesterday")]
    public void Anything_but_an_ISO_date_is_not_a_date(string text) => Assert.False(CellFormat.TryParseInstant(text, out _));

    [Theory]
    [InlineData("3", "3")]
    [InlineData("3.0", "3")]
    [InlineData("0.50", "0.5")]
    [InlineData("-1", "-1")]
    [InlineData("13.25", "13.25")]
    public void Decimals_are_written_in_their_shortest_invariant_form(string text, string expected)
    {
        Assert.True(CellFormat.TryParseDecimal(text, out var value));
        Assert.Equal(expected, CellFormat.FormatDecimal(value));
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("three")]
    [InlineData("1e3")]
    [InlineData("")]
    public void Non_numbers_are_not_points(string text) => Assert.False(CellFormat.TryParseDecimal(text, out _));

    [Fact]
    public void Midnight_utc_is_written_as_a_date_and_other_instants_in_full()
    {
        Assert.Equal("2024-03-01", CellFormat.FormatInstant(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2024-03-01T07:30:00Z", CellFormat.FormatInstant(new DateTimeOffset(2024, 3, 1, 9, 30, 0, TimeSpan.FromHours(2))));
    }
}
