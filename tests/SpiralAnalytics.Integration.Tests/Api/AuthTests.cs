using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Api.Errors;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Auth;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Api;

public sealed class AuthTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Me_answers_the_claims_of_the_token()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        using var client = api.CreateClient("acme", SpiralRoles.Lead, "ada");

        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);

        Assert.Equal("ada", me.GetProperty("user").GetString());
        Assert.Equal("acme", me.GetProperty("tenant").GetString());
        Assert.Equal("lead", me.GetProperty("role").GetString());
    }

    [Fact]
    public async Task No_token_gets_401_ProblemDetails()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        using var client = api.CreateClient();

        var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Equal(401, problem!.Status);
        Assert.Contains("spiral token create", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_signed_with_another_key_gets_401()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        var other = new TokenIssuer(Options.Create(new AuthOptions { SigningKey = new string('x', 48) }), TimeProvider.System);
        using var client = api.CreateClient(other.Create("acme", SpiralRoles.Admin));

        var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Contains("signature", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_token_gets_401()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        var token = api.Tokens.Create("acme", SpiralRoles.Lead, now: DateTimeOffset.UtcNow.AddDays(-2), lifetime: TimeSpan.FromHours(1));
        using var client = api.CreateClient(token);

        var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Contains("expired", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_for_another_audience_or_issuer_gets_401()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        foreach (var options in new[]
        {
            new AuthOptions { SigningKey = ApiFactory.SigningKey, Audience = "someone-else" },
            new AuthOptions { SigningKey = ApiFactory.SigningKey, Issuer = "someone-else" },
        })
        {
            using var client = api.CreateClient(new TokenIssuer(Options.Create(options), TimeProvider.System).Create("acme", SpiralRoles.Admin));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Garbage_token_gets_401()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        using var client = api.CreateClient("not.a.jwt");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Access_token_query_parameter_is_accepted_only_on_the_event_stream()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        using var client = api.CreateClient();
        var token = api.Token("acme", SpiralRoles.Viewer);

        var me = await client.GetAsync($"/api/v1/me?access_token={token}", Ct);
        var events = await client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/events?access_token={token}", Ct);
        var eventsWithoutToken = await client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/events", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, events.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, eventsWithoutToken.StatusCode);
    }

    [Fact]
    public async Task Health_stays_anonymous()
    {
        await using var api = await ApiFactory.CreateAsync(server, nameof(AuthTests));
        using var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Ct)).StatusCode);
    }

    [Fact]
    public void Signing_key_shorter_than_32_bytes_or_missing_fails_validation()
    {
        var validator = new AuthOptionsValidator();

        Assert.True(validator.Validate(null, new AuthOptions()).Failed);
        Assert.True(validator.Validate(null, new AuthOptions { SigningKey = "short" }).Failed);
        Assert.True(validator.Validate(null, new AuthOptions { SigningKey = "base64:" + Convert.ToBase64String(new byte[16]) }).Failed);
        Assert.True(validator.Validate(null, new AuthOptions { SigningKey = "base64:not base64!" }).Failed);
        Assert.True(validator.Validate(null, new AuthOptions { SigningKey = "base64:" + Convert.ToBase64String(new byte[32]) }).Succeeded);
        Assert.True(validator.Validate(null, new AuthOptions { SigningKey = ApiFactory.SigningKey }).Succeeded);
    }

    [Fact]
    public void Exceptions_map_to_their_status_codes()
    {
        var spec = ApiExceptionHandler.Map(new SpecValidationException([new SpecError("metrics[0]", "spilover", "not an active metric", ["spillover_ratio"], ["spillover_ratio"])]));
        Assert.Equal(400, spec.Status);
        Assert.Single((IReadOnlyList<SpecError>)spec.Extensions["errors"]!);
        Assert.Equal(404, ApiExceptionHandler.Map(new NotFoundException("metric 'x' does not exist")).Status);
        Assert.Equal(400, ApiExceptionHandler.Map(new UserErrorException("bad")).Status);
        Assert.Equal(400, ApiExceptionHandler.Map(new JsonException("bad json")).Status);
        Assert.Equal(503, ApiExceptionHandler.Map(new ServiceUnavailableException("llm", "down")).Status);
        var internalError = ApiExceptionHandler.Map(new InvalidOperationException("secret connection string"));
        Assert.Equal(500, internalError.Status);
        Assert.DoesNotContain("secret", internalError.Detail, StringComparison.Ordinal);
    }
}
