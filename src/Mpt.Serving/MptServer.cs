using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mpt.Serving;

/// <summary>
/// The Kestrel app of <c>mpt serve</c>: the <see cref="MptEndpoints"/> over one predictor, bound to one address
/// (loopback by default), in the Production environment (no developer exception page: errors are problem details).
/// </summary>
public static class MptServer
{
    /// <summary>Builds the app (not started). The predictor stays the caller's: dispose it after the app has stopped.</summary>
    public static WebApplication Create(BatchingPredictor predictor, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        options.Logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Host, options.Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes;
        });
        builder.Services.AddMptPredictor(predictor, options.Limits, options.Admin);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapMptEndpoints();
        return app;
    }

    /// <summary>The address a started app listens on (with the actual port when <see cref="ServeOptions.Port"/> was 0).</summary>
    public static Uri Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the server is not started.");
        return new Uri(address);
    }
}
