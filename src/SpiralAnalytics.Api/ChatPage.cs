using Microsoft.Net.Http.Headers;

namespace SpiralAnalytics.Api;

/// <summary>
/// The chat page at <c>/</c>: static files from wwwroot, served anonymously (the page holds no data; every
/// <c>/api/v1</c> call it makes carries the user's token). A strict Content-Security-Policy keeps it same-origin only.
/// </summary>
public static class ChatPage
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Put before authentication: the page and its assets need no token.</summary>
    public static IApplicationBuilder UseChatPage(this IApplicationBuilder app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // The page's files change with each deployment and are small: always revalidate (ETag answers 304).
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        });
        return app;
    }
}
