using SpiralAnalytics.Api;
using SpiralAnalytics.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpiralData();
builder.AddSpiralCatalog();
builder.AddSpiralQueries();
builder.AddSpiralJira();
builder.AddSpiralJobs();
builder.AddSpiralHealth();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatPage();
app.MapHealthEndpoints();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
