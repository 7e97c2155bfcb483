using System.Net;
using System.Net.Sockets;
using SpiralAnalytics.Core.Errors;

namespace SpiralAnalytics.Infrastructure.Alerts;

/// <summary>A webhook target the policy refuses (private or loopback address, or a scheme other than http/https).</summary>
public sealed class WebhookRefusedException(string message) : Exception(message);

/// <summary>
/// Where a webhook may point. When a rule is written: an absolute http or https URL without credentials, and not an IP literal
/// or <c>localhost</c> in a private range. When a delivery connects: every address the host name resolves to is checked again
/// (<see cref="ConnectAsync"/> is the HTTP handler's connect callback), so a name that resolves to an internal address — or is
/// changed to resolve to one later — is refused too. <see cref="AlertOptions.AllowPrivateTargets"/> lifts the address rule.
/// </summary>
public static class WebhookTargets
{
    public static Uri Check(string url, bool allowPrivate)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UserErrorException($"webhook_url: '{url}' is not an absolute http or https URL");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new UserErrorException("webhook_url: credentials in the URL are not allowed; the body is signed with the rule's secret instead");
        }

        if (!allowPrivate && (uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && IsPrivate(address))))
        {
            throw new UserErrorException(
                $"webhook_url: '{uri.Host}' is a loopback or private address; webhooks go to public hosts (setting Alerts:AllowPrivateTargets allows others)");
        }

        return uri;
    }

    /// <summary>Loopback, unspecified, private (RFC 1918, RFC 6598 CGNAT, fc00::/7), link-local, multicast or broadcast.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                   || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
        }

        var v6 = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC;
    }

    /// <summary>The connect callback of the webhook client: resolves, checks every address, then connects.</summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (!allowPrivate && addresses.FirstOrDefault(IsPrivate) is { } refused)
        {
            throw new WebhookRefusedException($"'{endpoint.Host}' resolves to {refused}, a loopback or private address (Alerts:AllowPrivateTargets is off)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
