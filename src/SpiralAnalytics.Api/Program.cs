using SpiralAnalytics.Api;
using SpiralAnalytics.Api.Auth;
using SpiralAnalytics.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpiralData();
builder.AddSpiralCatalog();
builder.AddSpiralQueries();
builder.AddSpiralJira();
builder.AddSpiralJobs();
builder.AddSpiralHealth();
builder.AddSpiralApi();
builder.AddSpiralAuth();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatPage();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthEndpoints();
app.MapAuthEndpoints();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
