using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SpiralAnalytics.Integration.Tests.Hardening;

/// <summary>A request body as bytes, with its Content-Type and the query string of the request.</summary>
public sealed record HostileBody(string Kind, byte[] Body, string ContentType, string Query = "");

/// <summary>A bearer token case: what it is, the header value to send (null: none), and whether a valid signature backs it.</summary>
public sealed record HostileToken(string Kind, string? Authorization, bool Genuine);

/// <summary>A bundle case: which file was broken and how.</summary>
public sealed record HostileBundle(string Kind, string File);

/// <summary>
/// Seeded generator of hostile input for <see cref="HostileInputSuite"/>: malformed specs (structure, types, sizes,
/// encodings, dates, duplicate keys), questions, tokens and bundle files. Same seed, same cases.
/// </summary>
public sealed class HostileInputGenerator(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] ValidSpecs =
    [
        """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""",
        """{"metrics":["velocity"],"filters":[{"dimension":"team","op":"in","values":["Atlas","Phoenix"]}],"sort":[{"by":"velocity","dir":"desc"}],"limit":5}""",
        """{"metrics":["bug_count"],"time":{"type":"period","unit":"quarter","offset":-1},"compare":{"type":"previous_period"}}""",
        """{"metrics":["issues_created"],"group_by":["month"],"time":{"type":"between","from":"2024-01-01","to":"2024-03-31"}}""",
        """{"metrics":["spillover_ratio","velocity"],"group_by":["team"],"having":[{"metric":"spillover_ratio","op":"gt","value":0.1}]}""",
        """{"metrics":["wip"],"time":{"type":"rolling","unit":"day","n":30}}""",
        """{"metrics":["lead_time_p50"],"group_by":["assignee"],"time":{"type":"all"}}""",
    ];

    private static readonly string[] HostileStrings =
    [
        "", " ", "\u0000", "a\u0000b", "\u001b[31m", "\ud800", "\udfff", "\ud83d", "'; DROP TABLE teams; --", "1 OR 1=1", "../../etc/passwd",
        "%00", "{{7*7}}", "${jndi:ldap://x}", "<script>alert(1)</script>", "Ä̈̈̈̈̈", "\u202eevil", "🙂🙂🙂", "\t\n\r", "NaN", "-Infinity",
        "0001-01-01", "9999-12-31", "1000-01-01", "2024-02-30", "2024-13-01", "velocity@99999999999.0.0", "velocity@", "@", "velocity@1.0.0@2",
    ];

    private static readonly string[] HostileNumbers =
        ["1e400", "-1e400", "2147483648", "-2147483649", "0", "-1", "1.5", "1e-400", "99999999999999999999999", "-0", "1E5", "NaN", "Infinity", "\"5\"", "null", "[]", "{}", "true"];

    private static readonly string[] AsOfs =
        ["", "?as_of=2024-04-25", "?as_of=0001-01-01", "?as_of=9999-12-31T23:59:59Z", "?as_of=garbage", "?as_of=2024-04-25&as_of=2024-04-26", "?as_of=%00", "?as_of=" + new string('9', 500)];

    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "application/json; charset=nope", "application/json; charset=utf-16", "text/plain", "application/json; charset=\"", ";;;", "application/x-www-form-urlencoded"];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(_random.Next(10) switch
            {
                0 => (char)_random.Next(0, 32),
                1 => (char)_random.Next(0xD800, 0xE000),
                2 => (char)_random.Next(0x80, 0x3000),
                _ => (char)_random.Next(32, 127),
            });
        }

        return text.ToString();
    }

    /// <summary>JSON string literal of <paramref name="text"/>, escaping every non-ASCII and control character (so lone surrogates travel as \uXXXX).</summary>
    private static string JsonString(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                json.Append('\\').Append(c);
            }
            else if (c < 32 || c > 126)
            {
                json.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                json.Append(c);
            }
        }

        return json.Append('"').ToString();
    }

    private string HostileString() => _random.Next(6) switch
    {
        0 => new string('x', Pick([101, 256, 5_000, 200_000])),
        1 => RandomText(_random.Next(1, 60)),
        _ => Pick(HostileStrings),
    };

    public HostileBody Spec()
    {
        var text = Pick(ValidSpecs);
        var kind = _random.Next(12);
        string body;
        string name;
        switch (kind)
        {
            case 0:
                name = "truncated";
                body = text[.._random.Next(1, text.Length)];
                break;
            case 1:
            {
                name = "inserted-characters";
                var at = _random.Next(text.Length);
                body = text[..at] + RandomText(_random.Next(1, 6)) + text[at..];
                break;
            }

            case 2:
            {
                name = "hostile-string";
                var quotes = Enumerable.Range(0, text.Length).Where(i => text[i] == '"').ToList();
                var pair = _random.Next(quotes.Count / 2) * 2;
                body = text[..quotes[pair]] + JsonString(HostileString()) + text[(quotes[pair + 1] + 1)..];
                break;
            }

            case 3:
                name = "duplicate-or-case-key";
                body = text.Replace("\"metrics\"", Pick(["\"Metrics\"", "\"metrics\":[\"bug_count\"],\"metrics\"", "\"METRICS\"", "\"metrics\":null,\"metrics\""]), StringComparison.Ordinal);
                if (body == text)
                {
                    body = "{\"metrics\":[\"velocity\"],\"Metrics\":[\"velocity\"]}";
                }

                break;
            case 4:
            {
                name = "hostile-number";
                var digits = Enumerable.Range(0, text.Length).Where(i => char.IsDigit(text[i]) && (i == 0 || !char.IsDigit(text[i - 1])) && text[i - 1] != '-' && text[i - 1] != '"').ToList();
                if (digits.Count == 0)
                {
                    body = text.TrimEnd('}') + ",\"limit\":" + Pick(HostileNumbers) + "}";
                }
                else
                {
                    var start = digits[_random.Next(digits.Count)];
                    var end = start;
                    while (end < text.Length && (char.IsDigit(text[end]) || text[end] == '.'))
                    {
                        end++;
                    }

                    body = text[..start] + Pick(HostileNumbers) + text[end..];
                }

                break;
            }

            case 5:
                name = "hostile-dates";
                body = $$"""{"metrics":["{{Pick(new[] { "issues_created", "bug_count", "velocity" })}}"],"time":{"type":"between","from":"{{Pick(HostileStrings[21..26])}}","to":"{{Pick(HostileStrings[21..26])}}"}{{(_random.Next(2) == 0 ? ",\"compare\":{\"type\":\"previous_period\"}" : "")}}}""";
                break;
            case 6:
            {
                name = "list-explosion";
                var n = Pick([6, 11, 51, 100, 1_000, 5_000]);
                var item = Pick(["\"velocity\"", "{\"dimension\":\"team\",\"op\":\"eq\",\"values\":[\"Atlas\"]}", "{\"metric\":\"velocity\",\"op\":\"gt\",\"value\":1}", "{\"by\":\"velocity\"}", "\"team\""]);
                var field = item switch
                {
                    "\"velocity\"" => "metrics",
                    "\"team\"" => "group_by",
                    _ when item.Contains("dimension", StringComparison.Ordinal) => "filters",
                    _ when item.Contains("value", StringComparison.Ordinal) => "having",
                    _ => "sort",
                };
                var list = "[" + string.Join(",", Enumerable.Repeat(item, n)) + "]";
                body = field == "metrics" ? $"{{\"metrics\":{list}}}" : $"{{\"metrics\":[\"velocity\"],\"{field}\":{list}}}";
                break;
            }

            case 7:
            {
                name = "deep-nesting";
                var depth = Pick([17, 65, 1_000]);
                body = "{\"metrics\":" + new string('[', depth) + new string(']', depth) + "}";
                break;
            }

            case 8:
            {
                name = "wrong-types";
                var node = JsonNode.Parse(text)!.AsObject();
                var key = Pick(node.Select(p => p.Key).ToList());
                node[key] = JsonNode.Parse(Pick(["[]", "{}", "null", "true", "1", "\"x\"", "[1,2]", "[{}]", "[null]"]));
                body = node.ToJsonString();
                break;
            }

            case 9:
                name = "not-an-object";
                body = Pick(["", " ", "[]", "null", "\"spec\"", "42", "{", "}", "{\"spec\":5}", "{\"spec\":{\"metrics\":[\"velocity\"]},\"as_of\":5}", "\u0000", "{\"metrics\":[\"velocity\"],\"as_of\":\"\\ud800\"}"]);
                break;
            case 10:
                name = "unknown-names";
                body = $$"""{"metrics":[{{JsonString(HostileString())}}],"group_by":[{{JsonString(HostileString())}}],"filters":[{"dimension":{{JsonString(HostileString())}},"op":{{JsonString(HostileString())}},"values":[{{JsonString(HostileString())}}]}]}""";
                break;
            default:
                name = "valid";
                body = text;
                break;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        if (_random.Next(25) == 0)
        {
            name += "+invalid-utf8";
            bytes = [.. bytes.Take(bytes.Length / 2), 0xC3, 0x28, 0xFF, .. bytes.Skip(bytes.Length / 2)];
        }

        return new HostileBody(name, bytes, _random.Next(5) == 0 ? Pick(ContentTypes) : "application/json", Pick(AsOfs));
    }

    private static readonly string[] QuestionWords =
    [
        "velocity", "spillover", "bugs", "created", "since", "between", "and", "by", "team", "sprint", "last", "over", "above", "below", "top", "per",
        "assignee", "compared", "to", "previous", "quarter", "month", "week", "year", "which", "most", "reopened", "lead", "time", "cycle", "p90", "wip",
        "Atlas", "Phoenix", "Orion", "excluding", "only", "what", "about", "and", "for",
    ];

    private static readonly string[] QuestionNumbers =
        ["0001-01-01", "1000-01-01", "9999-12-31", "-Infinity", "Infinity", "NaN", "1e400", "99999999999", "-5", "0", "3", "2024-02-30", "Q9 2024", "13th of Smarch", "100%", "-300%"];

    public HostileBody Question()
    {
        var kind = _random.Next(6);
        string question;
        string name;
        switch (kind)
        {
            case 0:
                name = "word-salad";
                question = string.Join(' ', Enumerable.Range(0, _random.Next(1, 12)).Select(_ => _random.Next(4) == 0 ? Pick(QuestionNumbers) : Pick(QuestionWords)));
                break;
            case 1:
                name = "hostile-characters";
                question = Pick(QuestionWords) + " " + Pick(HostileStrings) + " " + Pick(QuestionWords);
                break;
            case 2:
                name = "random-text";
                question = RandomText(_random.Next(1, 300));
                break;
            case 3:
                name = "too-long";
                question = "velocity " + new string('a', Pick([1_995, 2_001, 10_000]));
                break;
            case 4:
                name = "extreme-numbers";
                question = $"{Pick(new[] { "bugs created since", "teams with spillover over", "velocity in the last", "top", "velocity between" })} {Pick(QuestionNumbers)} {Pick(new[] { "", "sprints", "and 2024-01-01", "teams", "days" })}";
                break;
            default:
                name = "empty";
                question = Pick(["", " ", "\n", "\u0000"]);
                break;
        }

        var extra = _random.Next(8) switch
        {
            0 => ",\"as_of\":\"0001-01-01\"",
            1 => ",\"conversation_id\":\"not-a-guid\"",
            2 => ",\"question\":\"twice\"",
            3 => ",\"Question\":\"case\"",
            4 => ",\"as_of\":5",
            _ => ",\"as_of\":\"2024-04-25\"",
        };
        return new HostileBody(name, Encoding.UTF8.GetBytes("{\"question\":" + JsonString(question) + extra + "}"), "application/json");
    }

    /// <summary>A token case; <paramref name="key"/> signs the genuine ones (the API's key), <paramref name="valid"/> is a genuine lead token.</summary>
    public HostileToken Token(byte[] key, string tenant, string valid)
    {
        string Sign(Dictionary<string, object> claims, byte[]? with = null, string algorithm = SecurityAlgorithms.HmacSha256, DateTime? expires = null, string issuer = "spiral", string audience = "spiral-api")
        {
            var now = DateTime.UtcNow;
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                IssuedAt = now,
                NotBefore = (expires ?? now.AddHours(1)) < now ? now.AddHours(-2) : now,
                Expires = expires ?? now.AddHours(1),
                Claims = claims,
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(with ?? key), algorithm),
            });
        }

        static string B64(string json) => Base64UrlEncoder.Encode(json);

        var parts = valid.Split('.');
        return _random.Next(16) switch
        {
            0 => new HostileToken("none", null, false),
            1 => new HostileToken("garbage", "Bearer " + RandomText(_random.Next(1, 200)).Replace('\n', ' ').Replace('\r', ' '), false),
            2 => new HostileToken("flipped-signature", $"Bearer {parts[0]}.{parts[1]}.{Flip(parts[2])}", false),
            3 => new HostileToken("forged-payload", $"Bearer {parts[0]}.{B64($$"""{"sub":"x","tenant":"{{tenant}}","role":"admin","iss":"spiral","aud":"spiral-api","exp":4102444800}""")}.{parts[2]}", false),
            4 => new HostileToken("alg-none", $"Bearer {B64("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.", false),
            5 => new HostileToken("other-key", "Bearer " + Sign(new() { ["sub"] = "x", ["tenant"] = tenant, ["role"] = "admin" }, with: Encoding.UTF8.GetBytes(new string('k', 48))), false),
            6 => new HostileToken("expired", "Bearer " + Sign(new() { ["sub"] = "x", ["tenant"] = tenant, ["role"] = "lead" }, expires: DateTime.UtcNow.AddHours(-1)), false),
            7 => new HostileToken("wrong-audience", "Bearer " + Sign(new() { ["sub"] = "x", ["tenant"] = tenant, ["role"] = "lead" }, audience: "elsewhere"), false),
            8 => new HostileToken("hs512", "Bearer " + Sign(new() { ["sub"] = "x", ["tenant"] = tenant, ["role"] = "lead" }, with: [.. key, .. key], algorithm: SecurityAlgorithms.HmacSha512), false),
            9 => new HostileToken("hostile-tenant-claim", "Bearer " + Sign(new() { ["sub"] = "x", ["tenant"] = Pick(HostileStrings[..20].Append(new string('t', 5_000)).ToList()), ["role"] = "lead" }), true),
            10 => new HostileToken("hostile-role-and-sub", "Bearer " + Sign(new() { ["sub"] = HostileString(), ["tenant"] = tenant, ["role"] = Pick(["operator", "root", "", "ADMIN", "admin "]) }), true),
            11 => new HostileToken("no-tenant", "Bearer " + Sign(new() { ["sub"] = "x", ["role"] = "admin" }), true),
            // the scheme is case-insensitive and the token trimmed (RFC 9110): "bearer  TOKEN" is the genuine token
            12 => Pick<HostileToken>(
            [
                new("scheme", "Bearer", false), new("scheme", "Bearer ", false), new("scheme", "Basic " + valid, false),
                new("scheme", "Bearer " + valid + " extra", false), new("scheme", "Bearer " + new string('A', 300_000), false),
                new("scheme-case", "bearer " + valid, true), new("scheme-spaces", "Bearer  " + valid, true),
            ]),
            13 => new HostileToken("truncated", "Bearer " + valid[.._random.Next(1, valid.Length - 1)], false),
            _ => new HostileToken("genuine", "Bearer " + valid, true),
        };

        string Flip(string text)
        {
            var chars = text.ToCharArray();
            var i = _random.Next(chars.Length);
            chars[i] = chars[i] == 'A' ? 'B' : 'A';
            return new string(chars);
        }
    }

    /// <summary>Breaks one file of the bundle in <paramref name="directory"/> in place.</summary>
    public HostileBundle Bundle(string directory)
    {
        var files = Directory.GetFiles(directory, "*.csv").Order(StringComparer.Ordinal).ToList();
        var path = Pick(files);
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.TrimEnd('\n').Split('\n').ToList();
        var line = _random.Next(lines.Count);
        string kind;
        switch (_random.Next(12))
        {
            case 0:
                kind = "cut-mid-file";
                bytes = bytes[..Math.Max(1, _random.Next(bytes.Length - 1))];
                if (bytes[^1] == (byte)'\n')
                {
                    bytes = bytes[..^1];
                }

                break;
            case 1:
                kind = "nul";
                lines[Math.Max(1, line)] = lines[Math.Max(1, line)].Insert(0, "\0");
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 2:
                kind = "invalid-utf8";
                var at = _random.Next(bytes.Length);
                bytes = [.. bytes[..at], Pick(new byte[] { 0xFF, 0xC3, 0xE9, 0x80 }), .. bytes[at..]];
                break;
            case 3:
                kind = "extra-cells";
                lines[Math.Max(1, line)] += string.Concat(Enumerable.Repeat(",x", _random.Next(1, 4)));
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 4:
                kind = "missing-cells";
                var cells = lines[Math.Max(1, line)].Split(',');
                lines[Math.Max(1, line)] = string.Join(',', cells.Take(Math.Max(1, cells.Length - _random.Next(1, cells.Length + 1))));
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 5:
                kind = "oversized-cell";
                var row = lines[Math.Max(1, line)].Split(',');
                row[_random.Next(row.Length)] = new string('K', Pick([256, 20_000, 1_000_000]));
                lines[Math.Max(1, line)] = string.Join(',', row);
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 6:
                kind = "header-broken";
                var header = lines[0].Split(',').ToList();
                var i = _random.Next(header.Count);
                switch (_random.Next(3))
                {
                    case 0: header[i] = ""; break;
                    case 1: header.Add(header[i]); break;
                    default: header.RemoveAt(i); break;
                }

                lines[0] = string.Join(',', header);
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 7:
                kind = "open-quote";
                lines[Math.Max(1, line)] = "\"" + lines[Math.Max(1, line)];
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            case 8:
                kind = "empty-or-header-only";
                bytes = _random.Next(2) == 0 ? [] : Encoding.UTF8.GetBytes(lines[0]);
                break;
            case 9:
                kind = "utf16";
                bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
                break;
            case 10:
                kind = "hostile-cell";
                var hostile = lines[Math.Max(1, line)].Split(',');
                hostile[_random.Next(hostile.Length)] = Pick(["\u001b[31m", "'; DROP TABLE teams; --", "\ud83d\ude00", "-1e400", "9999-99-99", "0001-01-01", "NaN", "\"\"\"", "true;false"]);
                lines[Math.Max(1, line)] = string.Join(',', hostile);
                bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
                break;
            default:
                kind = "random-bytes";
                var offset = _random.Next(bytes.Length);
                var noise = new byte[_random.Next(1, 16)];
                _random.NextBytes(noise);
                bytes = [.. bytes[..offset], .. noise, .. bytes[offset..]];
                break;
        }

        File.WriteAllBytes(path, bytes);
        return new HostileBundle(kind, Path.GetFileName(path));
    }
}
