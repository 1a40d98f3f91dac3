using System.Text.Json;
using System.Text.Json.Serialization;
using Fundraising.Load.Baseline;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

// Which comparison server: "naive" (PostgreSQL, one transaction per donation) or "ceiling" (in memory, no work).
var mode = builder.Configuration["Baseline:Mode"] ?? "naive";
var adminKey = builder.Configuration["Admin:ApiKey"] is { Length: >= 24 } key
    ? key
    : throw new InvalidOperationException("Admin:ApiKey (at least 24 characters) is required.");

// The platform's JSON conventions: camelCase, strict numbers.
builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
    options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
});

if (mode == "ceiling")
{
    builder.Services.AddSingleton<IDonationStore, CeilingStore>();
}
else
{
    var connectionString = builder.Configuration.GetConnectionString("Baseline")
        ?? throw new InvalidOperationException("ConnectionStrings:Baseline is required in naive mode.");
    builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
    builder.Services.AddSingleton<NaiveStore>();
    builder.Services.AddSingleton<IDonationStore>(sp => sp.GetRequiredService<NaiveStore>());
    builder.Services.AddSingleton<IMatchingStore>(sp => sp.GetRequiredService<NaiveStore>());
}

var app = builder.Build();
if (app.Services.GetService<NaiveStore>() is { } naive)
{
    await naive.InitializeAsync();
}
app.MapComparisonApi(adminKey);
app.Logger.LogInformation("Comparison server in {Mode} mode", mode);
app.Run();
