using Fundraising.Web.Admin;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Donations;
using Fundraising.Web.Health;
using Fundraising.Web.Hosting;
using Fundraising.Web.MonthlyGiving;
using Fundraising.Web.Payments;
using Fundraising.Web.Problems;
using Fundraising.Web.Pledges;
using Fundraising.Web.Progress;
using Fundraising.Web.Receipts;
using Fundraising.Web.Refunds;
using Fundraising.Web.Seeding;

var builder = WebApplication.CreateBuilder(args);

// Orleans: a co-hosted silo (default) or a client of separate silos; PostgreSQL migrated first.
builder.AddFundraisingOrleans();

// HTTP conventions: RFC 7807 problems for every error, strict JSON, small request bodies.
builder.AddApiConventions();

// Admin access: bearer API key from configuration, role "admin".
builder.AddAdminAuthentication();

// Donations and the payment providers that confirm them.
builder.AddDonations();
builder.AddPayments();

// Monthly giving (月捐): Stripe subscriptions, each paid invoice one gift.
builder.AddMonthlyGiving();

// Live progress: SignalR hub fed by campaign grains through one observer per front end.
builder.AddLiveProgress();

// Demo data for a local giving day (off unless Demo:Seed is true).
builder.AddDemoSeeding();

var app = builder.Build();

app.UseApiConventions();
app.UseAuthentication();
app.UseAuthorization();
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapHealth();
app.MapCampaigns();
app.MapDonations();
app.MapPayments();
app.MapMonthlyGiving();
app.MapRefunds();
app.MapPledges();
app.MapReceipts();
app.MapAdmin();
app.MapHub<ProgressHub>("/hubs/progress");

app.Run();

/// <summary>The web front end's entry point; public so that tests can host it.</summary>
public partial class Program;
