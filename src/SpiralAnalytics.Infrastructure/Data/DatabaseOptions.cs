using System.ComponentModel.DataAnnotations;

namespace SpiralAnalytics.Infrastructure.Data;

/// <summary>Connection strings (section <c>ConnectionStrings</c>): the owner role and the runtime role.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "ConnectionStrings";

    [Required(ErrorMessage = "ConnectionStrings:Owner is not set (scripts/local-up prints it)")]
    public string Owner { get; set; } = "";

    [Required(ErrorMessage = "ConnectionStrings:Runtime is not set (scripts/local-up prints it)")]
    public string Runtime { get; set; } = "";
}
