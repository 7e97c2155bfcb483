using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>Writes a definition as its YAML file, in canonical field order; reading it back gives the same definition.</summary>
public static partial class CatalogYamlWriter
{
    private const int Width = 100;

    public static string Write(MetricDefinition m)
    {
        var yaml = new StringBuilder();
        Field(yaml, "name", m.Name);
        Field(yaml, "display_name", m.DisplayName);
        Field(yaml, "category", m.Category);
        Folded(yaml, "description", m.Description);
        Field(yaml, "type", m.Type);
        if (m.Measure is not null)
        {
            Field(yaml, "measure", m.Measure);
        }

        if (m.Statistic is not null)
        {
            Field(yaml, "statistic", m.Statistic);
        }

        if (m.P is { } p)
        {
            yaml.Append("p: ").Append(Number(p)).Append('\n');
        }

        if (m.Numerator is not null)
        {
            FlowList(yaml, "numerator", m.Numerator);
        }

        if (m.Denominator is not null)
        {
            Field(yaml, "denominator", m.Denominator);
        }

        if (m.Components is not null)
        {
            yaml.Append("components:\n");
            foreach (var c in m.Components)
            {
                yaml.Append("  - { metric: ").Append(Scalar(c.Metric)).Append(", weight: ").Append(Number(c.Weight))
                    .Append(", direction: ").Append(c.Direction > 0 ? "+" : "").Append(c.Direction.ToString(CultureInfo.InvariantCulture)).Append(" }\n");
            }
        }

        if (m.Aggregate is not null)
        {
            Field(yaml, "aggregate", m.Aggregate);
        }

        if (m.Where is not null)
        {
            yaml.Append("where: ").Append(FlowWhere(m.Where)).Append('\n');
        }

        if (m.NumeratorOf is not null)
        {
            yaml.Append("numerator_of: ").Append(FlowTerm(m.NumeratorOf)).Append('\n');
        }

        if (m.DenominatorOf is not null)
        {
            yaml.Append("denominator_of: ").Append(FlowTerm(m.DenominatorOf)).Append('\n');
        }

        if (m.Sql is not null)
        {
            yaml.Append("sql: |-\n");
            foreach (var line in m.Sql.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                yaml.Append(line.Length == 0 ? "" : "  " + line.TrimEnd()).Append('\n');
            }
        }

        if (m.Output is not null)
        {
            FlowList(yaml, "output", m.Output);
        }

        if (m.Rollup is not null)
        {
            Field(yaml, "rollup", m.Rollup);
        }

        Field(yaml, "unit", m.Unit);
        Field(yaml, "direction", m.Direction);
        Field(yaml, "grain", m.Grain);
        Field(yaml, "time_column", m.TimeColumn);
        FlowList(yaml, "dimensions", m.Dimensions);
        yaml.Append("synonyms:\n");
        foreach (var synonym in m.Synonyms)
        {
            yaml.Append("  - ").Append(Scalar(synonym)).Append('\n');
        }

        FlowList(yaml, "depends_on", m.DependsOn);
        Relation(yaml, "share_of", m.ShareOf);
        Relation(yaml, "narrows", m.Narrows);
        Field(yaml, "version", m.Version);
        Field(yaml, "status", m.Status);
        yaml.Append("replaced_by: ").Append(m.ReplacedBy is null ? "null" : Scalar(m.ReplacedBy)).Append('\n');
        if (m.DeprecationReason is not null)
        {
            Folded(yaml, "deprecation_reason", m.DeprecationReason);
        }

        return yaml.ToString();
    }

    private static string FlowWhere(IReadOnlyDictionary<string, IReadOnlyList<string>> where) =>
        "{ " + string.Join(", ", where.Select(w => $"{Scalar(w.Key)}: [{string.Join(", ", w.Value.Select(Scalar))}]")) + " }";

    private static string FlowTerm(AggregateTerm term)
    {
        var parts = new List<string> { $"aggregate: {Scalar(term.Aggregate)}", $"measure: {Scalar(term.Measure)}" };
        if (term.P is { } p)
        {
            parts.Add($"p: {Number(p)}");
        }

        if (term.Where is not null)
        {
            parts.Add($"where: {FlowWhere(term.Where)}");
        }

        return "{ " + string.Join(", ", parts) + " }";
    }

    private static void Relation(StringBuilder yaml, string key, MetricRelation? relation)
    {
        if (relation is null)
        {
            return;
        }

        yaml.Append(key).Append(": ").Append(relation.Where is null
            ? Scalar(relation.Metric)
            : $"{{ metric: {Scalar(relation.Metric)}, where: {FlowWhere(relation.Where)} }}").Append('\n');
    }

    private static void Field(StringBuilder yaml, string key, string value) => yaml.Append(key).Append(": ").Append(Scalar(value)).Append('\n');

    private static void FlowList(StringBuilder yaml, string key, IEnumerable<string> items) =>
        yaml.Append(key).Append(": [").AppendJoin(", ", items.Select(Scalar)).Append("]\n");

    /// <summary>A folded block (<c>&gt;-</c>): wrapped lines read back as one line joined by single spaces.</summary>
    private static void Folded(StringBuilder yaml, string key, string text)
    {
        yaml.Append(key).Append(": >-\n");
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > Width - 2)
            {
                yaml.Append("  ").Append(line).Append('\n');
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        yaml.Append("  ").Append(line).Append('\n');
    }

    /// <summary>Plain when that reads back as the same string, else double-quoted.</summary>
    private static string Scalar(string value) =>
        (PlainSafe().IsMatch(value) && !Reserved().IsMatch(value)) || SemanticVersion.TryParse(value, out _)
            ? value
            : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_ ./()'%-]*(?<! )$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^(null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$")]
    private static partial Regex Reserved();
}
