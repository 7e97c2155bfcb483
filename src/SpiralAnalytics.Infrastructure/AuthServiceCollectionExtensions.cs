using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SpiralAnalytics.Infrastructure.Auth;

namespace SpiralAnalytics.Infrastructure;

public static class AuthServiceCollectionExtensions
{
    /// <summary>The <c>Auth</c> options (validated on start) and the <see cref="TokenIssuer"/>; the API adds the bearer validation on top.</summary>
    public static IHostApplicationBuilder AddSpiralTokens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<TokenIssuer>();
        return builder;
    }
}
