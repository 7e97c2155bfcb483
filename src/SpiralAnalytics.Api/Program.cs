using SpiralAnalytics.Api;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Api.Endpoints;
using SpiralAnalytics.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpiralData();
builder.AddSpiralCatalog();
builder.AddSpiralQueries();
builder.AddSpiralTranslation();
builder.AddSpiralConversations();
builder.AddSpiralJira();
builder.AddSpiralJobs();
builder.AddSpiralAsk();
builder.AddSpiralVerified();
builder.AddSpiralHealth();
builder.AddSpiralApi();
builder.AddSpiralAuth();
builder.AddSpiralRateLimits();
builder.AddSpiralOpenApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatPage();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapHealthEndpoints();
app.MapSpiralOpenApi();
app.MapAuthEndpoints();
app.MapQueryEndpoints();
app.MapMetricEndpoints();
app.MapAdminMetricEndpoints();
app.MapConversationEndpoints();
app.MapVerifiedQuestionEndpoints();
app.MapSpiralHangfireDashboard();
app.MapAskEndpoints();
app.MapJobEndpoints();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
