using Fundraising.FakeStripe.Hosting;

var builder = WebApplication.CreateBuilder(args);

// The fake Stripe: options (FakeStripe section), in-memory objects, event log, webhook sender, chaos switches.
builder.AddFakeStripe();

var app = builder.Build();

// Stripe's /v1 API, the hosted checkout page (/checkout/{id}) and the control endpoints (/_fake/...).
app.MapFakeStripe();

app.Run();
