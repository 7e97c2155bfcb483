using SpiralAnalytics.Api;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpiralData();
builder.AddSpiralCatalog();
builder.AddSpiralQueries();
builder.AddSpiralTranslation();
builder.AddSpiralJira();
builder.AddSpiralJobs();
builder.AddSpiralAsk();
builder.AddSpiralHealth();
builder.AddSpiralApi();
builder.AddSpiralAuth();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthEndpoints();
app.MapAuthEndpoints();
app.MapAskEndpoints();
app.MapJobEndpoints();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
