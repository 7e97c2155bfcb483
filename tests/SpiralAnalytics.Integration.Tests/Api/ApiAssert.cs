using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SpiralAnalytics.Integration.Tests.Api;

/// <summary>Checks every error answer of the API shares: the status and an RFC 9457 ProblemDetails body.</summary>
public static class ApiAssert
{
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    public static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, contentType), TestContext.Current.CancellationToken);
}
