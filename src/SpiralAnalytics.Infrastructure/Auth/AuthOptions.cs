using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace SpiralAnalytics.Infrastructure.Auth;

/// <summary>
/// Section <c>Auth</c>: how API tokens are signed and checked. <see cref="SigningKey"/> is the HMAC-SHA256 key, at least
/// 32 bytes: plain text is used as its UTF-8 bytes; a value that starts with <c>base64:</c> is decoded from base64
/// (<c>scripts/local-up</c> writes a random 64-character hex key to <c>.local/env</c> as <c>Auth__SigningKey</c>).
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string Base64Prefix = "base64:";
    public const int MinimumKeyBytes = 32;

    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "spiral";

    public string Audience { get; set; } = "spiral-api";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The key bytes, or null when <see cref="SigningKey"/> is not valid base64 after the prefix.</summary>
    public byte[]? KeyBytes()
    {
        if (!SigningKey.StartsWith(Base64Prefix, StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(SigningKey);
        }

        try
        {
            return Convert.FromBase64String(SigningKey[Base64Prefix.Length..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public SymmetricSecurityKey SecurityKey() =>
        new(KeyBytes() ?? throw new InvalidOperationException("Auth:SigningKey is not valid base64")) { KeyId = "spiral" };
}

/// <summary>Fails the start (ValidateOnStart) when the key is missing or short, so no token is ever signed with a weak key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            failures.Add("Auth:SigningKey is required (scripts/local-up writes one to .local/env; set Auth__SigningKey)");
        }
        else if (options.KeyBytes() is not { } key)
        {
            failures.Add($"Auth:SigningKey starts with '{AuthOptions.Base64Prefix}' but the rest is not valid base64");
        }
        else if (key.Length < AuthOptions.MinimumKeyBytes)
        {
            failures.Add($"Auth:SigningKey must be at least {AuthOptions.MinimumKeyBytes} bytes (it has {key.Length})");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Auth:Issuer must not be empty");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth:Audience must not be empty");
        }

        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            failures.Add("Auth:TokenLifetime must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
