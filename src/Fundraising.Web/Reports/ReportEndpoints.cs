using System.Globalization;
using System.Security.Claims;
using Fundraising.Persistence.Reports;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Reports;

/// <summary>
/// The annual and giving-day reports (JSON, and CSV at the same address with <c>.csv</c>), summed from the ledger when
/// asked, and the two kinds of data admins enter for them: which event is a year's giving day, and other cities' figures.
/// Readers: every staff role with <c>ReadReports</c> whose scope is the platform or a region (admins, viewers, the city's
/// association: everything; a county's association: its county's gifts, without the city's rank). Coordinators' scope
/// is a few projects, not a region: 403.
/// </summary>
public static class ReportEndpoints
{
    public const int FirstYear = 2000;
    public const int LastYear = 2100;

    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AssociationOptions>().BindConfiguration("Association").ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Association:TimeZone must be an IANA time zone.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReportReader>();
        return builder;
    }

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Access.ReadReports).ProducesProblems(404);
        // "{year}" and "{id}" take the ".csv" suffix too: one route each, the suffix chooses the format.
        read.MapGet("/annual/{year}", AnnualAsync).WithSummary("The annual report from the ledger (JSON or CSV).");
        read.MapGet("/events/{id}", EventAsync).WithSummary("A giving day's report from the ledger (JSON or CSV).");

        var manage = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Access.ManageReports).ProducesProblems(404);
        manage.MapGet("/giving-days", ListGivingDaysAsync).WithSummary("Lists the years' giving days as marked.");
        manage.MapPut("/giving-days/{year}", MarkGivingDayAsync).WithSummary("Marks which event is a year's giving day.");
        manage.MapGet("/external-figures", ListExternalFiguresAsync).WithSummary("Lists other cities' figures entered as external data.");
        manage.MapPost("/external-figures", EnterExternalFigureAsync).WithSummary("Enters another city's figures (external data) for comparison.");
        return app;
    }

    private static async Task<Results<Ok<AnnualReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> AnnualAsync(
        string year, ReportReader reports, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (text, csv) = Format(year);
        var validation = new Validation();
        var number = Year(validation, "year", text);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }
        if (!TryCounty(user, out var county))
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("Reports cover the platform or a region; this account's scope is a few projects."));
        }
        var report = await reports.AnnualAsync(number, county, cancellationToken);
        return csv
            ? TypedResults.File(ReportCsv.Annual(report), "text/csv; charset=utf-8", $"annual-report-{number}{(county is null ? "" : "-" + county)}.csv")
            : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<EventReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> EventAsync(
        string id, ReportReader reports, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (text, csv) = Format(id);
        if (!Guid.TryParse(text, out var eventId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["'id' must be an event id (a GUID), optionally followed by .csv."] });
        }
        if (!TryCounty(user, out var county))
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("Reports cover the platform or a region; this account's scope is a few projects."));
        }
        if (await reports.EventAsync(eventId, county, cancellationToken) is not { } report)
        {
            return TypedResults.Problem(Problem.NotFound("event", eventId));
        }
        return csv ? TypedResults.File(ReportCsv.Event(report), "text/csv; charset=utf-8", $"event-report-{eventId}.csv") : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<GivingDayMarkResponse>, ValidationProblem, ProblemHttpResult>> MarkGivingDayAsync(
        string year, MarkGivingDayRequest request, ReportStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var number = Year(validation, "year", year);
        if (request.EventId is null)
        {
            validation.Add("eventId", "'eventId' is required: the event that was the year's 99 Giving Day.");
        }
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }
        return await store.MarkGivingDayAsync(number, request.EventId!.Value, Actor.Of(user), cancellationToken) switch
        {
            GivingDayMarkOutcome.Marked => TypedResults.Ok(new GivingDayMarkResponse(number, request.EventId.Value)),
            GivingDayMarkOutcome.UnknownEvent => TypedResults.Problem(Problem.NotFound("event", request.EventId)),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["eventId"] = [$"The event does not start in {number} (in its own time zone), so it cannot be that year's giving day."],
            }),
        };
    }

    /// <summary><c>GET /api/reports/giving-days</c>: every year's marked giving day, newest year first (few: one a year).</summary>
    private static async Task<Ok<GivingDayListResponse>> ListGivingDaysAsync(ReportStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new GivingDayListResponse([.. (await store.GivingDaysAsync(cancellationToken)).Select(GivingDayMarkedResponse.From)]));

    /// <summary><c>GET /api/reports/external-figures?year=</c>: the other cities' figures entered for the year, in the association's province.</summary>
    private static async Task<Results<Ok<ExternalFigureListResponse>, ValidationProblem>> ListExternalFiguresAsync(
        string? year, ReportStore store, IOptions<AssociationOptions> options, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var number = Year(v, "year", year ?? "");
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var province = options.Value.Province;
        return TypedResults.Ok(new ExternalFigureListResponse(number, province,
            [.. (await store.ExternalFiguresAsync(number, province, cancellationToken)).Select(ExternalFigureResponse.From)]));
    }

    private static async Task<Results<Ok<ExternalFigureResponse>, ValidationProblem>> EnterExternalFigureAsync(
        ExternalFigureRequest request, ReportStore store, IOptions<AssociationOptions> options, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var v = new Validation();
        if (request.Year is not { } year || year < FirstYear || year > LastYear)
        {
            v.Add("year", $"'year' is required, from {FirstYear} to {LastYear}.");
            year = 0;
        }
        var province = v.Text("province", request.Province, 40);
        var city = v.Text("city", request.City, 40);
        if (city is not null && province == options.Value.Province && city == options.Value.City)
        {
            v.Add("city", $"{city} is this platform's own city: its figure comes from the ledger, not from external data.");
        }
        if (request.OnlineAmount is not { } amount || amount < 0)
        {
            v.Add("onlineAmount", "'onlineAmount' is required: the money the city raised online, in fen, zero or more.");
            amount = 0;
        }
        var currency = v.Currency("currency", request.Currency);
        if (currency is not null && currency != options.Value.Currency)
        {
            v.Add("currency", $"'currency' must be the reports' currency, {options.Value.Currency}.");
        }
        var source = v.Text("source", request.Source, 200);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var figure = await store.EnterExternalFigureAsync(year, province!, city!, amount, currency!, source!, Actor.Of(user), cancellationToken);
        return TypedResults.Ok(ExternalFigureResponse.From(figure));
    }

    private static (string Text, bool Csv) Format(string value) =>
        value.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? (value[..^4], true) : (value, false);

    private static int Year(Validation validation, string field, string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year < FirstYear || year > LastYear)
        {
            validation.Add(field, $"'{field}' must be a year from {FirstYear} to {LastYear}.");
        }
        return year;
    }

    // Whose figures a reader sees: null county for the whole platform, a county for a county's association; false for a coordinator.
    private static bool TryCounty(ClaimsPrincipal user, out string? county)
    {
        county = null;
        var scope = StaffScope.Of(user);
        if (scope is null || scope.Role == Roles.Coordinator)
        {
            return false;
        }
        county = scope.IsWhole ? null : scope.County;
        return true;
    }
}
