using Fundraising.Payments;
using Fundraising.Web.Accounts;
using Fundraising.Web.Admin;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Dashboard;
using Fundraising.Web.Disbursements;
using Fundraising.Web.Donations;
using Fundraising.Web.Donors;
using Fundraising.Web.Events;
using Fundraising.Web.Health;
using Fundraising.Web.Leaderboards;
using Fundraising.Web.Teams;
using Fundraising.Web.Villages;
using Microsoft.AspNetCore.Rewrite;
using Fundraising.Web.Hosting;
using Fundraising.Web.Matching;
using Fundraising.Web.Operations;
using Fundraising.Grains.Hosting;
using Fundraising.Web.MonthlyGiving;
using Fundraising.Web.Payments;
using Fundraising.Web.Http;
using Fundraising.Web.Pledges;
using Fundraising.Web.Progress;
using Fundraising.Web.Receipts;
using Fundraising.Web.Reports;
using Fundraising.Web.Security;
using Fundraising.Web.Seeding;

var builder = WebApplication.CreateBuilder(args);

// Orleans: a co-hosted silo (default) or a client of separate silos; PostgreSQL migrated first.
builder.AddFundraisingOrleans();

// HTTP conventions: RFC 7807 problems for every error, strict JSON, small request bodies.
builder.AddApiConventions();

// Idempotent endpoints retry a grain call that failed in transit (a silo stopping or dead), bounded (GrainRetry).
builder.AddGrainRetry();

// Rate limits per client address (RateLimits), and that address from configured proxies only (ForwardedHeaders).
builder.AddClientAddress();
builder.AddRateLimits();

// Staff access: accounts with a role and a scope (cookie sign-in for pages, API tokens for automation), the
// bootstrap Admin:ApiKey for the first account; one named policy per kind of privileged action.
builder.AddStaffAuthentication();

// The payment domain (Fundraising.Payments): the providers that confirm gifts (sandbox, Stripe), Stripe's
// events and reconciliation, monthly giving (月捐) on Stripe subscriptions, refunds through the provider.
builder.AddPayments();

// Verified donors: one-time codes by e-mail (SMTP) or, outside Production, to the development outbox; donor tokens.
builder.AddDonors();

// Which campaign ids exist, so that unknown ids are answered without activating a grain.
builder.AddCampaignDirectory();

// Live progress: SignalR hub fed by campaign grains through one observer per front end.
builder.AddLiveProgress();

// Live leaderboards and teams: the same hub, fed by event board grains through one more observer per front end.
builder.AddLiveLeaderboards();
// The admins' live giving-day dashboard: one sampler per watched event on this front end, fanned out over /hubs/dashboard.
builder.AddLiveDashboard();

// Reports from the ledger: the annual and giving-day reports (JSON, CSV), the association's city, zone and counties.
builder.AddReports();

// Demo data for a local giving day (off unless Demo:Seed is true).
builder.AddDemoSeeding();

// Health probes: /health/live (the process answers) and /health/ready (the silo or the gateway, and PostgreSQL).
builder.AddHealthProbes();

// The API described: an OpenAPI document at /openapi/v1.json, and the try-it page at /scalar for admins.
builder.AddApiDescription();

// Metrics and traces (OpenTelemetry): Orleans, ASP.NET Core, Npgsql and the platform's own meter for /metrics (and
// Metrics:Port); traces over OTLP when an endpoint is configured.
builder.AddFundraisingTelemetry("fundraising-web");

var app = builder.Build();

app.UseClientAddress();
app.UseSecurityHeaders();
app.UseApiConventions();
app.UseStaffAuthentication();
app.UseRateLimiter();
app.UseDevelopmentPages();
// A village project's page is the campaign page (village.html?id= keeps its query), which shows the village's parts.
app.UseRewriter(new RewriteOptions().AddRewrite(@"^village\.html$", "campaign.html", skipRemainingRules: true));
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapHealth();
app.MapAuth();
app.MapAccounts();
app.MapCampaigns();
app.MapEvents();
app.MapPools();
app.MapLeaderboards();
app.MapTeams();
// Village projects: claims, sub-plans, photos, updates and milestones, the feed's history.
app.MapVillages();
app.MapDonations();
app.MapPayments();
app.MapMonthlyGiving();
app.MapPledges();
app.MapReceipts();
// Disbursements (money out of projects) and each project's public ledger, page and CSV.
app.MapDisbursements();
app.MapLedgers();
app.MapDonors();
app.MapAdmin();
app.MapHub<ProgressHub>("/hubs/progress").RequireRateLimiting(RateLimits.HubConnections);
app.MapDashboard();
app.MapReports();
app.MapCampaignTemplates();

// Operators' views: the Prometheus scrape (staff, viewer and above) and the Orleans Dashboard (admins).
app.MapMetrics();
app.MapOrleansDashboardForAdmins();

// The API described (after every Map above, so the document has them all).
app.MapApiDescription();

app.Run();

/// <summary>The web front end's entry point; public so that tests can host it.</summary>
public partial class Program;
